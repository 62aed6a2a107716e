"""The pool's timed job: accounts without an effective contact return to the public pool (SAL-21)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from rapport.core.jobs.scheduler import declare_schedule


@task()
def return_idle_customers() -> int:
    """Release the owned accounts idle for longer than their business unit's rule; idempotent."""
    from rapport.pool.actions import return_idle_accounts

    return return_idle_accounts()


# Once a day, at night (UTC); administrators may retime or pause it under Settings → System jobs.
declare_schedule("pool.returns", "rapport.pool.tasks.return_idle_customers", daily_at=dt.time(2, 0))
