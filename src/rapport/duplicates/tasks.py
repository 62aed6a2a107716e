"""Background work of duplicate detection: publishing a rule over many records, bulk detection jobs."""

from django_tasks import task


@task()
def publish_rule_task(rule_id: str) -> int:
    """Write a rule's keys for every record it matches against (idempotent: it starts over)."""
    from rapport.duplicates.detect import build_rule_keys

    return build_rule_keys(rule_id)


@task()
def duplicate_job_task(job_id: str) -> int:
    """Find the duplicate sets of one entity under its active rules."""
    from rapport.duplicates.jobs import run_job

    return run_job(job_id)
