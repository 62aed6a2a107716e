"""Notes with one attachment (PLT-9) and connections between any two records (PLT-17)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models.base import OwnedRecord

CONNECTION_ROLES = [
    ("decision_maker", _("Decision maker")),
    ("influencer", _("Influencer")),
    ("stakeholder", _("Stakeholder")),
    ("partner", _("Partner")),
    ("supplier", _("Supplier")),
    ("customer", _("Customer")),
    ("competitor", _("Competitor")),
    ("parent_company", _("Parent company")),
    ("subsidiary", _("Subsidiary")),
    ("employer", _("Employer")),
    ("employee", _("Employee")),
    ("former_employee", _("Former employee")),
    ("colleague", _("Colleague")),
    ("friend", _("Friend")),
    ("referral", _("Referral")),
]


def attachment_path(instance, filename):
    # The stored name never uses the uploaded name: no path tricks, no executable extensions.
    return f"attachments/{instance.pk}/{instance.pk}.bin"


class Note(OwnedRecord):
    """A timestamped note on any record, with at most one file."""

    regarding_entity = models.CharField(_("regarding type"), max_length=64)
    regarding_id = models.UUIDField(_("regarding"))
    title = models.CharField(_("title"), max_length=200, blank=True, default="")
    text = models.TextField(_("text"), blank=True, default="")
    file = models.FileField(_("file"), upload_to=attachment_path, blank=True, editable=False)
    file_name = models.CharField(_("file name"), max_length=255, blank=True, default="", editable=False)
    file_size = models.PositiveIntegerField(_("file size"), null=True, blank=True, editable=False)
    file_content_type = models.CharField(_("file type"), max_length=120, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["regarding_id", "-created_on"], name="note_regarding_idx")]


class Connection(OwnedRecord):
    """A relationship with roles between two records of any entities."""

    record1_entity = models.CharField(max_length=64)
    record1_id = models.UUIDField(_("record 1"))
    record2_entity = models.CharField(max_length=64)
    record2_id = models.UUIDField(_("record 2"))
    role1 = models.CharField(_("role of record 1"), max_length=32, choices=CONNECTION_ROLES, blank=True, default="")
    role2 = models.CharField(_("role of record 2"), max_length=32, choices=CONNECTION_ROLES, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    effective_start = models.DateField(_("effective start"), null=True, blank=True)
    effective_end = models.DateField(_("effective end"), null=True, blank=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        indexes = [
            models.Index(fields=["record1_id"], name="connection_record1_idx"),
            models.Index(fields=["record2_id"], name="connection_record2_idx"),
        ]
