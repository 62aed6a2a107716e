"""Audit entries and the event outbox — written only by the action runner."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CHANNELS = [
    ("ui", _("User interface")),
    ("api", _("API")),
    ("import", _("Import")),
    ("workflow", _("Workflow")),
    ("cli", _("Command line")),
    ("system", _("System")),
]


class AuditEntry(models.Model):
    """One change to one record (PLT-8): who, when, through what, and field old → new."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=64)
    record_id = models.UUIDField(_("record"))
    record_name = models.CharField(_("record name"), max_length=255, blank=True, default="")
    action = models.CharField(_("action"), max_length=32)
    changes = models.JSONField(_("changes"), default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CHANNELS)
    request_id = models.CharField(max_length=64, blank=True, default="")
    occurred_on = models.DateTimeField(_("occurred on"), default=timezone.now)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["record_id", "-occurred_on", "-id"], name="audit_record_idx"),
            models.Index(fields=["-occurred_on", "-id"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entity}:{self.record_id} {self.action}"


class OutboxEvent(models.Model):
    """An event committed with the write that caused it; delivered after commit by a worker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=64)
    entity = models.CharField(max_length=64)
    record_id = models.UUIDField()
    payload = models.JSONField(default=dict)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateTimeField(default=timezone.now)
    dispatched_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dispatched_on", "created_on"], name="outbox_pending_idx")]
