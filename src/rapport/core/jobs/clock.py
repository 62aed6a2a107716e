"""The clock of background work: one function, so tests can move time without sleeping.

Tests patch ``rapport.core.jobs.clock.now``; the scheduler, the lease checks and the heartbeat
call it at the moment they need the time (never bind it at import).
"""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current time, UTC and aware."""
    return timezone.now()
