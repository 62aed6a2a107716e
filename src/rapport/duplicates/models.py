"""Duplicate detection rules (PLT-15), their stored match keys, duplicate-detection jobs and merges (PLT-16)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Record
from rapport.core.models.base import RecordQuerySet

# The compiled active rules, kept per process by ``detect.active_rules`` and checked against a
# one-query stamp of the rule tables (versions, times, counts, ids).
RULES_MEMO: dict = {}


class RuleQuerySet(RecordQuerySet):
    """A bulk ``update`` changes no version: the rules kept in this process are dropped with it."""

    def update(self, **kwargs):
        RULES_MEMO.clear()
        return super().update(**kwargs)


class RuleMode(models.TextChoices):
    WARN = "warn", _("Warn (the user may save anyway)")
    BLOCK = "block", _("Block (saving is refused)")


class ConditionKind(models.TextChoices):
    EXACT = "exact", _("Exact match")
    FIRST = "first", _("Same first characters")
    LAST = "last", _("Same last characters")
    COMPANY_NAME = "company_name", _("Same company name (normalized, similar)")
    PHONE = "phone", _("Same phone number")
    SUBSCRIBER = "subscriber", _("Same phone number without area code")
    EMAIL = "email", _("Same e-mail address")


class DuplicateRule(Record):
    """Records of ``base_entity`` are checked against records of ``matching_entity``.

    A rule matches when every one of its conditions matches; a condition whose value is blank on
    the record being checked makes the rule not apply (blanks are ignored, as in Dynamics).
    """

    name = models.CharField(_("name"), max_length=100)
    base_entity = models.CharField(_("records of"), max_length=40)
    matching_entity = models.CharField(_("checked against"), max_length=40)
    mode = models.CharField(_("mode"), max_length=8, choices=RuleMode.choices, default=RuleMode.WARN)
    objects = RuleQuerySet.as_manager()
    similarity = models.PositiveSmallIntegerField(
        _("name similarity (%)"), default=88, validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_("How alike two normalized company names must be to match; 100 means identical."),
    )
    exclude_inactive = models.BooleanField(_("ignore inactive records"), default=True)
    description = models.TextField(_("description"), blank=True, default="")
    published_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("duplicate detection rule")
        verbose_name_plural = _("duplicate detection rules")
        indexes = [models.Index(fields=["base_entity", "state"], name="duprule_base_idx")]

    def clean(self):
        from rapport.core.entities import get_entity

        errors = {}
        for name in ("base_entity", "matching_entity"):
            if get_entity(getattr(self, name)) is None:
                errors[name] = _("Choose accounts, contacts or leads.")
        if errors:
            raise ValidationError(errors)


COMPARABLE = {"text", "email", "url", "choice", "lookup", "integer"}


class DuplicateCondition(Record):
    """One condition of a rule: a field of the checked record compared with a field of the others."""

    rule = models.ForeignKey(DuplicateRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="conditions")
    base_field = models.CharField(_("field"), max_length=64)
    matching_field = models.CharField(_("matching field"), max_length=64, blank=True, default="",
                                      help_text=_("Leave empty for the same field."))
    kind = models.CharField(_("criterion"), max_length=16, choices=ConditionKind.choices, default=ConditionKind.EXACT)
    objects = RuleQuerySet.as_manager()
    length = models.PositiveSmallIntegerField(_("number of characters"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(100)])
    description = models.CharField(_("description"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("duplicate rule condition")
        verbose_name_plural = _("duplicate rule conditions")

    def __str__(self) -> str:
        return f"{self.base_field} {self.kind}"

    def clean(self):
        from rapport.core.entities import get_entity

        rule = DuplicateRule.objects.filter(pk=self.rule_id).first()
        if rule is None:
            return
        errors = {}
        checks = [("base_field", rule.base_entity, self.base_field),
                  ("matching_field", rule.matching_entity, self.matching_field or self.base_field)]
        for attribute, set_name, name in checks:
            spec = get_entity(set_name)
            fs = spec.field_map.get(name) if spec else None
            if fs is None or fs.system or fs.type not in COMPARABLE:
                names = ", ".join(n for n, f in (spec.field_map.items() if spec else [])
                                  if not f.system and f.type in COMPARABLE)
                errors[attribute] = _("“%(field)s” is not a field of %(entity)s that can be compared (%(names)s).") % {
                    "field": name, "entity": set_name, "names": names}
        if self.kind in (ConditionKind.FIRST, ConditionKind.LAST) and not self.length:
            errors["length"] = _("Give the number of characters to compare.")
        if self.kind == ConditionKind.COMPANY_NAME and DuplicateCondition.objects.filter(
                rule_id=self.rule_id, kind=ConditionKind.COMPANY_NAME).exclude(pk=self.pk).exists():
            errors["kind"] = _("A rule compares at most one company name.")
        if errors:
            raise ValidationError(errors)
        if not self.description:  # what lists and lookups show for the condition
            other = self.matching_field and self.matching_field != self.base_field
            self.description = (f"{self.base_field} → {self.matching_field}" if other else self.base_field) + \
                f" ({ConditionKind(self.kind).label})"


class MatchKey(models.Model):
    """An indexed key of one record: checking a record looks keys up instead of scanning records.

    ``kind`` is ``name`` / ``phone`` / ``sub`` / ``email`` for the entry check, or ``r<rule id>`` for a
    rule's combined key; ``text`` carries the normalized company name for the similarity check.
    """

    entity = models.CharField(max_length=40)
    record_id = models.UUIDField()
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    text = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["kind", "key", "entity"], name="matchkey_lookup_idx"),
            models.Index(fields=["record_id"], name="matchkey_record_idx"),
        ]


class DuplicateJobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class DuplicateJob(models.Model):
    """A bulk duplicate-detection job: the duplicate sets of one entity under the active rules."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    state = models.CharField(_("status"), max_length=12, choices=DuplicateJobState.choices, default=DuplicateJobState.QUEUED)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)
    finished_on = models.DateTimeField(_("finished on"), null=True, blank=True)
    records_checked = models.PositiveIntegerField(_("records checked"), default=0)
    # [{"rule": name, "ids": [uuid, ...]}] — the sets, for review (names are read through the record filter).
    sets = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_on"]


class Merge(models.Model):
    """One merge of a subordinate record into its master, kept so that it can be undone (PLT-16)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=40)
    master_id = models.UUIDField(_("master"))
    subordinate_id = models.UUIDField(_("subordinate"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    occurred_on = models.DateTimeField(_("merged on"), default=timezone.now)
    # {"<field>": [master's value before, value taken from the subordinate]} (JSON-ready values)
    fields = models.JSONField(default=dict, blank=True)
    # [{"entity": set or model label, "column": fk column, "ids": [...]}] — the children moved to the master
    moved = models.JSONField(default=list, blank=True)
    # the subordinate's state and status reason before it was deactivated
    subordinate_state = models.JSONField(default=dict, blank=True)
    undone_on = models.DateTimeField(_("undone on"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("undone by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-occurred_on"]
        indexes = [models.Index(fields=["entity", "master_id"], name="merge_master_idx"),
                   models.Index(fields=["entity", "subordinate_id"], name="merge_subordinate_idx")]
