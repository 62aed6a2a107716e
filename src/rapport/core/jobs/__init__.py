"""Background work (PLT-19): the task worker, the scheduler of timed jobs, the System jobs page.

``enqueue_on_commit(task, *args, **kwargs)`` is the way code inside a write enqueues a job.
"""

from rapport.core.jobs.queue import enqueue_on_commit  # noqa: F401
