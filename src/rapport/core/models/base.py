"""Record base classes: every business record has these columns (PLT-2)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordQuerySet(models.QuerySet):
    """The only way code reads records for a person: ``for_user(user, privilege)``."""

    def for_user(self, user, privilege: str = "read"):
        """Records ``user`` holds ``privilege`` on, as one set-based filter (never per row)."""
        from rapport.core.permissions.filter import record_filter_q

        return self.filter(record_filter_q(self.model, user, privilege))


class Record(models.Model):
    """UUID id, who/when created and modified, version for optimistic concurrency, state."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_on = models.DateTimeField(_("created on"), default=timezone.now, editable=False)
    modified_on = models.DateTimeField(_("modified on"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("modified by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    state = models.CharField(_("status"), max_length=32, default="active", editable=False)
    status_reason = models.CharField(_("status reason"), max_length=64, blank=True, default="", editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        from rapport.core.entities import entity_for_model

        spec = entity_for_model(type(self))
        if spec is not None:
            return str(getattr(self, spec.primary_field, "") or "")
        return str(self.pk)


class OwnedRecord(Record):
    """A record owned by a user or a team, in the owner's business unit (SEC-5)."""

    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    owner_team = models.ForeignKey(
        "security.Team", verbose_name=_("owning team"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    owning_business_unit = models.ForeignKey(
        "security.BusinessUnit", verbose_name=_("owning business unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )

    class Meta:
        abstract = True

    @property
    def owner(self):
        return self.owner_user if self.owner_user_id else self.owner_team

    @property
    def owner_id(self):
        return self.owner_user_id or self.owner_team_id
