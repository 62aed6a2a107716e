"""Import jobs (PLT-13): the uploaded file, its mapping and options, progress and the per-row report.

Progress (``rows_processed``: the last data row whose outcome is committed) is written in the same
transaction as the batch of records it covers, so a job killed at any moment resumes after the
last committed row: no row is lost and none is imported twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DuplicateHandling(models.TextChoices):
    SKIP = "skip", _("Skip rows that match an existing record")
    FLAG = "flag", _("Import them and flag them in the report")
    CREATE = "create", _("Import them (block rules still refuse)")


class Import(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.CASCADE,
                             related_name="+")
    channel = models.CharField(_("channel"), max_length=16, default="import")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=255, help_text="path under MEDIA_ROOT (private; never served)")
    file_type = models.CharField(_("file type"), max_length=8)
    file_size = models.BigIntegerField(_("size"), default=0)
    encoding = models.CharField(max_length=32, blank=True, default="")
    delimiter = models.CharField(max_length=4, blank=True, default="")
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    value_mapping = models.JSONField(_("option value mapping"), default=dict, blank=True)
    owner_set = models.CharField(max_length=16, blank=True, default="")
    owner_id = models.UUIDField(null=True, blank=True)
    duplicates = models.CharField(_("duplicates"), max_length=8, choices=DuplicateHandling.choices,
                                  default=DuplicateHandling.SKIP)
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    message = models.TextField(_("message"), blank=True, default="")
    rows_total = models.IntegerField(_("rows"), null=True, blank=True)
    rows_processed = models.IntegerField(default=0)
    rows_imported = models.IntegerField(_("imported"), default=0)
    rows_failed = models.IntegerField(_("failed"), default=0)
    rows_skipped = models.IntegerField(_("skipped"), default=0)
    rows_flagged = models.IntegerField(_("flagged"), default=0)
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_on = models.DateTimeField(_("created on"))
    started_on = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_on = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["user", "-created_on"], name="import_user_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def done(self) -> bool:
        return self.state in {ImportState.FINISHED, ImportState.FAILED, ImportState.CANCELLED}

    @property
    def percent(self) -> int:
        if self.state == ImportState.FINISHED:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_processed / self.rows_total))


class ImportIssue(models.Model):
    """One line of the per-row report: an error (the row was not imported), a skip or a flag."""

    KINDS = [("error", _("Error")), ("skipped", _("Skipped")), ("flagged", _("Flagged"))]

    import_job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="issues")
    row = models.IntegerField(_("row"))
    field = models.CharField(_("field"), max_length=100, blank=True, default="")
    message = models.TextField(_("message"))
    kind = models.CharField(max_length=8, choices=KINDS, default="error")

    class Meta:
        indexes = [models.Index(fields=["import_job", "row"], name="importissue_row_idx")]


class ImportRowKey(models.Model):
    """A digest of a row's mapped values: finds a row repeated inside the file (committed with its batch)."""

    import_job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="+")
    digest = models.BigIntegerField()
    row = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["import_job", "digest"], name="importrowkey_unique")]
