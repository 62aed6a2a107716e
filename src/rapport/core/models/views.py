"""Saved views (PLT-3): a person's own columns, sort and filter for a list, shareable by URL."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own views and the views others shared."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(owner_id=user.pk) | Q(is_shared=True))


class SavedView(models.Model):
    """A personal list view; its id in ``?view=`` makes it a link people can share."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=64)
    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views")
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    filter = models.JSONField(_("filter"), default=dict, blank=True)
    ordering = models.JSONField(_("sort"), default=list, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)
    modified_on = models.DateTimeField(_("modified on"), default=timezone.now)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        indexes = [models.Index(fields=["entity", "owner"], name="savedview_entity_owner_idx")]

    def __str__(self) -> str:
        return self.name
