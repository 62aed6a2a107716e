"""Run by the crash test in a subprocess, against the database named by DATABASE_URL.

    python -m tests.dataio.import_helper start <csv path>   -> creates a user, queues the import, prints its id
    python -m tests.dataio.import_helper status <import id> -> prints the import and the number of leads as JSON
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from rapport.core.actions.base import ActionContext
    from rapport.dataio import service
    from rapport.dataio.models import Import
    from rapport.sales.models import Lead
    from rapport.security.actions import create_user

    command, argument = argv
    if command == "start":
        user = create_user(ActionContext(user=None, channel="system"), username="crash-admin", password="Correct-Horse-9",
                           is_superuser=True)
        job = service.prepare_import(user, "leads", argument, "crash.csv")
        service.configure(job, mapping=None)
        print(service.start(job).pk)
    elif command == "status":
        job = Import.objects.get(pk=argument)
        print(json.dumps({"state": job.state, "rows_processed": job.rows_processed, "rows_imported": job.rows_imported,
                          "rows_failed": job.rows_failed, "rows_skipped": job.rows_skipped, "rows_total": job.rows_total,
                          "leads": Lead.objects.count(),
                          "distinct_topics": Lead.objects.values("topic").distinct().count()}))
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
