"""Operations an administrator performs on background jobs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core.actions.base import ActionContext
from rapport.core.errors import InvalidState, NotFound, PermissionDenied
from rapport.core.jobs.models import TaskRetry


def retry_task(result_id, *, ctx: ActionContext) -> str:
    """Enqueue a failed job again with the same arguments; return the new job's id.

    Only a system administrator may; a job is retried once per failure (the failed result is the
    key of its ``TaskRetry``), so a double-submitted Retry enqueues one job.
    """
    if not getattr(ctx.user, "is_system_administrator", False):
        raise PermissionDenied()
    failed = DBTaskResult.objects.filter(pk=result_id).first()
    if failed is None:
        raise NotFound()
    if failed.status != TaskResultStatus.FAILED:
        raise InvalidState(_("Only a failed job can be retried."))
    try:
        task = failed.task
    except (ImportError, Exception):
        raise InvalidState(_("The job's task no longer exists, so it cannot be retried."))
    try:
        with transaction.atomic():
            retry = TaskRetry.objects.create(failed_task_id=str(failed.pk), retry_task_id="", retried_by=ctx.user
                                             if getattr(ctx.user, "pk", None) else None, retried_on=ctx.now)
            new = task.using(run_after=None).enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
            retry.retry_task_id = str(new.id)
            retry.save(update_fields=["retry_task_id"])
    except IntegrityError:
        raise InvalidState(_("This job has already been retried."))
    return str(new.id)
