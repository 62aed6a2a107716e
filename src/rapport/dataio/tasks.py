"""The background task that runs an import (``rapport worker``)."""

from django_tasks import task


@task()
def run_import_job(import_id: str) -> dict:
    """Run or resume an import; returns its counts."""
    from rapport.dataio.engine import run_import

    job = run_import(import_id)
    return {"state": job.state, "imported": job.rows_imported, "failed": job.rows_failed, "skipped": job.rows_skipped}
