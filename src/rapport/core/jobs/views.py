"""The System jobs page (Settings): queued, running, failed and finished jobs, timed jobs, workers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core.actions.base import ActionContext
from rapport.core.errors import RapportError
from rapport.core.jobs.actions import retry_task
from rapport.core.jobs.models import ScheduledJob, TaskRetry, WorkerProcess
from rapport.core.jobs.outbox import pending_count
from rapport.core.jobs.worker import uses_database_backend

PAGE_SIZE = 50
STATUSES = [
    ("", gettext_lazy("All")),
    (TaskResultStatus.READY, gettext_lazy("Queued")),
    (TaskResultStatus.RUNNING, gettext_lazy("Running")),
    (TaskResultStatus.FAILED, gettext_lazy("Failed")),
    (TaskResultStatus.SUCCESSFUL, gettext_lazy("Finished")),
]
STATUS_LABELS = dict(STATUSES[1:])


def _require_administrator(request) -> None:
    if not request.user.is_system_administrator:
        raise PermissionDenied


def _error_summary(traceback: str) -> str:
    lines = [line for line in (traceback or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@login_required
def system_jobs(request):
    """List background jobs by status, with their errors and a Retry button for failed ones."""
    _require_administrator(request)
    status = request.GET.get("status", "")
    if status not in STATUS_LABELS:
        status = ""
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    results = DBTaskResult.objects.all()
    if status:
        results = results.filter(status=status)
    results = list(results.order_by("-enqueued_at")[:PAGE_SIZE])
    retried = dict(TaskRetry.objects.filter(failed_task_id__in=[str(r.pk) for r in results])
                   .values_list("failed_task_id", "retry_task_id"))
    rows = [{
        "id": str(r.pk),
        "name": r.task_name,
        "path": r.task_path,
        "status": r.status,
        "status_label": STATUS_LABELS.get(r.status, r.status),
        "queue": r.queue_name,
        "enqueued_on": r.enqueued_at,
        "started_on": r.started_at,
        "finished_on": r.finished_at,
        "attempts": len(r.worker_ids or []),
        "error": _error_summary(r.traceback) if r.status == TaskResultStatus.FAILED else "",
        "traceback": r.traceback if r.status == TaskResultStatus.FAILED else "",
        "retried_as": retried.get(str(r.pk), ""),
        "can_retry": r.status == TaskResultStatus.FAILED and str(r.pk) not in retried,
    } for r in results]
    tabs = [{"code": code, "label": label, "count": sum(counts.values()) if not code else counts.get(code, 0),
             "selected": code == status} for code, label in STATUSES]
    return render(request, "jobs/system_jobs.html", {
        "rows": rows,
        "tabs": tabs,
        "status": status,
        "page_size": PAGE_SIZE,
        "scheduled_jobs": ScheduledJob.objects.order_by("name"),
        "workers": WorkerProcess.objects.order_by("started_on"),
        "pending_events": pending_count(),
        "database_queue": uses_database_backend(),
    })


@login_required
@require_POST
def retry(request, result_id):
    """Retry a failed job (POST with the CSRF token), then return to the list."""
    _require_administrator(request)
    try:
        new_id = retry_task(result_id, ctx=ActionContext.from_request(request, "ui"))
    except RapportError as error:
        if error.status == 404:
            raise Http404
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The job was queued again (%(id)s).") % {"id": new_id})
    status = request.POST.get("status", "")
    return redirect(f"/settings/jobs/?status={status}" if status in STATUS_LABELS else "/settings/jobs/")
