"""Import throughput and memory (PERFORMANCE.md): ``python -m tests.dataio.perf_import [rows] [--profile]``.

Creates a fresh SQLite database under a temporary RAPPORT_HOME (or uses DATABASE_URL), writes a CSV of
``rows`` leads, imports it through the engine (the create action per row, batches of 500), and prints
rows/s and the peak resident memory; then a raw ``bulk_create`` of the same number of leads into the
same indexed table as the same-run baseline.
"""

import os
import resource
import sys
import tempfile
import time


def main(argv):
    rows = int(argv[0]) if argv and argv[0].isdigit() else 100_000
    profile = "--profile" in argv
    home = tempfile.mkdtemp(prefix="rapport-perf-")
    os.environ.setdefault("RAPPORT_HOME", home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("RAPPORT_SECRET_KEY", "perf-only")
    import django

    django.setup()
    from django.core.management import call_command

    from rapport.cli import ensure_postgres_database

    ensure_postgres_database()
    call_command("migrate", interactive=False, verbosity=0)
    from rapport.core.actions.base import ActionContext
    from rapport.dataio import engine, service
    from rapport.sales.models import Lead
    from rapport.security.actions import create_user
    from rapport.security.models import User

    User.objects.filter(username="perf").delete()
    Lead.objects.all().delete()
    user = create_user(ActionContext(user=None, channel="system"), username="perf", password="Correct-Horse-9",
                       is_superuser=True)
    path = os.path.join(home, "leads.csv")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("topic,first_name,last_name,company_name,rating,email,phone,city,employees\n")
        for n in range(rows):
            handle.write(f"Lead {n},Anna{n % 97},Kovács {n},Company {n} Kft.,{('hot', 'warm', 'cold')[n % 3]},"
                         f"a{n}@example.com,+36 1 {n:07d},Pécs,{n % 500}\n")
    job = service.prepare_import(user, "leads", path, "leads.csv", channel="cli")
    service.configure(job, mapping=None)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    job = service.start(job, run_now=True)
    elapsed = time.perf_counter() - start
    if profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"import: {job.rows_imported} rows in {elapsed:.1f} s = {job.rows_imported / elapsed:,.0f} rows/s; "
          f"failed {job.rows_failed}; peak RSS {peak / 1024:.0f} MB (before the import {before / 1024:.0f} MB); "
          f"duplicate detection {'on' if engine.find_duplicates else 'not installed'}")
    # The same-run baseline: a raw bulk insert of as many leads into the same table.
    template = Lead.objects.first()
    start = time.perf_counter()
    batch = []
    import uuid

    for n in range(rows):
        batch.append(Lead(id=uuid.uuid4(), topic=f"Raw {n}", last_name=f"R {n}", company_name=f"Raw {n}",
                          owner_user_id=template.owner_user_id, owning_business_unit_id=template.owning_business_unit_id,
                          created_on=template.created_on, modified_on=template.modified_on, version=1, state="open"))
        if len(batch) == 1000:
            Lead.objects.bulk_create(batch)
            batch = []
    if batch:
        Lead.objects.bulk_create(batch)
    raw = time.perf_counter() - start
    print(f"raw bulk insert: {rows} rows in {raw:.1f} s = {rows / raw:,.0f} rows/s; "
          f"import/raw = {(job.rows_imported / elapsed) / (rows / raw):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
