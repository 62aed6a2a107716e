"""Background work of activities: the escalation job and notification e-mails."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from rapport.core.jobs.scheduler import declare_schedule


@task()
def run_escalations() -> int:
    """Fire the due escalation timers (ACT-5); idempotent, safe to repeat after a restart."""
    from rapport.activities.escalation import process_escalations

    return process_escalations()


@task()
def send_notification_email(notification_id: str) -> bool:
    """E-mail one notification to its recipient (the in-app one is already written)."""
    from rapport.activities.models import Notification

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return False
    with translation.override(notification.recipient.language or None):
        body = _("%(title)s\n\nOpen it in Rapport: /notifications/") % {"title": notification.title}
        send_mail(notification.title[:200], body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    return True


# Inside the scheduler loop: a short database job that must not wait behind long tasks.
declare_schedule("activities.escalations", "rapport.activities.tasks.run_escalations", every_seconds=60,
                 run_inline=True)
