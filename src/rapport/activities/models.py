"""Activities (ACT-1) in one table with per-type proxies, contact logs (SAL-22), notifications,
escalation rules and their timers (ACT-5), e-mail templates (ACT-7), and comments (ACT-3).

One ``Activity`` table holds every type (``activity_type``): the ``activities`` set lists them
together and the timeline reads one table. Each per-type set (``tasks``, ``phone-calls`` …) is a
proxy model whose default manager selects its type, so the generic list, API, record filter and
query language see only that type without an engine change.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.activities.choices import (
    ActivityType,
    ContactMethod,
    Direction,
    EscalationKind,
    Priority,
    ReassignTo,
)
from rapport.core.models import OwnedRecord, Record, RecordQuerySet

CLOSED_STATES = {"completed", "cancelled"}


class Activity(OwnedRecord):
    """A task, phone call, e-mail, appointment, letter, fax, SMS, visit or meeting."""

    activity_type = models.CharField(_("activity type"), max_length=20, choices=ActivityType.choices)
    subject = models.CharField(_("subject"), max_length=200)
    regarding_entity = models.CharField(_("regarding type"), max_length=64, blank=True, default="")
    regarding_id = models.UUIDField(_("regarding"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    due_on = models.DateTimeField(_("due"), null=True, blank=True)
    start_on = models.DateTimeField(_("start"), null=True, blank=True)
    end_on = models.DateTimeField(_("end"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True,
                                                   validators=[MaxValueValidator(60 * 24 * 366)])
    description = models.TextField(_("description"), blank=True, default="")
    outcome = models.TextField(_("outcome"), blank=True, default="",
                               help_text=_("What came of it: the customer's feedback, recorded on completion."))
    # per type
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True, default="")
    phone_number = models.CharField(_("phone number"), max_length=50, blank=True, default="")
    to = models.TextField(_("to"), blank=True, default="", help_text=_("Recipients, separated by commas."))
    from_address = models.CharField(_("from"), max_length=254, blank=True, default="")
    location = models.CharField(_("location"), max_length=200, blank=True, default="")
    attendees = models.JSONField(_("attendees"), default=list, blank=True)
    # e-mail threading (ACT-7)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, default="", editable=False)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True, default="", editable=False)
    sent_on = models.DateTimeField(_("sent on"), null=True, blank=True, editable=False)
    delivery_error = models.TextField(_("delivery error"), blank=True, default="", editable=False)
    attachments = models.JSONField(_("attachments"), default=list, blank=True, editable=False)  # note ids
    # assignment (ACT-4) and escalation (ACT-5)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    assigned_on = models.DateTimeField(_("assigned on"), null=True, blank=True, editable=False)
    last_action_on = models.DateTimeField(_("last action on"), null=True, blank=True, editable=False)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, default="", editable=False)
    closed_on = models.DateTimeField(_("closed on"), null=True, blank=True, editable=False)
    # conversion (ACT-6): the lead or opportunity made from this activity
    converted_to_entity = models.CharField(_("converted to type"), max_length=64, blank=True, default="", editable=False)
    converted_to_id = models.UUIDField(_("converted to"), null=True, blank=True, editable=False)
    # the timeline's sort key: when it was closed, else when it was created
    occurred_on = models.DateTimeField(_("occurred on"), null=True, blank=True, editable=False)

    TYPE: str | None = None

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["owner_user", "state", "due_on"], name="activity_owner_due_idx"),
            models.Index(fields=["owner_user", "start_on"], name="activity_owner_start_idx"),
            models.Index(fields=["owner_team", "state", "due_on"], name="activity_team_due_idx"),
            models.Index(fields=["owning_business_unit", "state", "due_on"], name="activity_bu_due_idx"),
            models.Index(fields=["activity_type", "state", "due_on"], name="activity_type_due_idx"),
            models.Index(fields=["regarding_id", "-occurred_on", "-id"], name="activity_regarding_idx"),
            models.Index(fields=["converted_to_id"], name="activity_converted_idx"),
            models.Index(fields=["-modified_on", "-id"], name="activity_modified_idx"),
            models.Index(fields=["state", "due_on"], name="activity_state_due_idx"),
            models.Index(fields=["message_id"], name="activity_message_idx"),
            models.Index(fields=["owner_user", "closed_on"], name="activity_owner_closed_idx"),
        ]

    def clean(self):
        if type(self).TYPE:
            self.activity_type = type(self).TYPE
        loaded = getattr(self, "_loaded_type", None)
        if loaded and loaded != self.activity_type:
            raise ValidationError({"activity_type": _("The type of an activity cannot be changed.")})
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end must not be before the start.")})
        if self.start_on and self.end_on and not self.duration_minutes:
            self.duration_minutes = int((self.end_on - self.start_on).total_seconds() // 60)
        if self.attendees and not isinstance(self.attendees, list):
            raise ValidationError({"attendees": _("Give the attendees as a list of contact or user ids.")})
        for value in self.attendees or []:
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise ValidationError({"attendees": _("\"%(value)s\" is not a contact or user id.") % {"value": str(value)[:40]}})
        self.occurred_on = self.closed_on or self.created_on

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_type = instance.__dict__.get("activity_type")
        return instance

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES


class TypedActivityQuerySet(RecordQuerySet):
    pass


class TypedActivityManager(models.Manager.from_queryset(TypedActivityQuerySet)):
    """The default manager of a per-type proxy: only activities of that type."""

    def __init__(self, activity_type: str):
        super().__init__()
        self.activity_type = activity_type

    def deconstruct(self):
        return (False, "rapport.activities.models.TypedActivityManager", None, (self.activity_type,), {})

    def get_queryset(self):
        return super().get_queryset().filter(activity_type=self.activity_type)


def _proxy(name: str, code: str, verbose: str, verbose_plural: str):
    meta = type("Meta", (), {"proxy": True, "verbose_name": verbose, "verbose_name_plural": verbose_plural})
    return type(name, (Activity,), {"__module__": __name__, "Meta": meta, "TYPE": code,
                                    "objects": TypedActivityManager(code)})


Task = _proxy("Task", ActivityType.TASK, _("task"), _("tasks"))
PhoneCall = _proxy("PhoneCall", ActivityType.PHONE_CALL, _("phone call"), _("phone calls"))
Email = _proxy("Email", ActivityType.EMAIL, _("e-mail"), _("e-mails"))
Appointment = _proxy("Appointment", ActivityType.APPOINTMENT, _("appointment"), _("appointments"))
Letter = _proxy("Letter", ActivityType.LETTER, _("letter"), _("letters"))
Fax = _proxy("Fax", ActivityType.FAX, _("fax"), _("faxes"))
Sms = _proxy("Sms", ActivityType.SMS, _("SMS"), _("SMS messages"))
Visit = _proxy("Visit", ActivityType.VISIT, _("visit"), _("visits"))
Meeting = _proxy("Meeting", ActivityType.MEETING, _("meeting"), _("meetings"))
PROXIES = {ActivityType.TASK: Task, ActivityType.PHONE_CALL: PhoneCall, ActivityType.EMAIL: Email,
           ActivityType.APPOINTMENT: Appointment, ActivityType.LETTER: Letter, ActivityType.FAX: Fax,
           ActivityType.SMS: Sms, ActivityType.VISIT: Visit, ActivityType.MEETING: Meeting}


class ActivityComment(models.Model):
    """A manager's comment on an activity (ACT-3), written by the ``comment`` action."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("comment"))
    created_on = models.DateTimeField(_("created on"))

    class Meta:
        indexes = [models.Index(fields=["activity", "created_on"], name="activity_comment_idx")]


class MaturityClass(Record):
    """A maturity class of the contact log (成熟度 0–N) with the organisation's own label."""

    value = models.PositiveSmallIntegerField(_("class"), unique=True, validators=[MaxValueValidator(99)])
    label = models.CharField(_("label"), max_length=100)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("maturity class")
        verbose_name_plural = _("maturity classes")
        ordering = ["value"]


def is_effective_contact(maturity, not_reached: bool, busy_call_later: bool) -> bool:
    """The HC360 effective-contact rule (渠道CRM 填写联系小记, 注意事项).

    1. an entry of maturity class 0 does not count (成熟度为0类的不记入有效联系量);
    2. an entry of another class marked "not reached" (未联系到客户) or "customer busy, call later"
       (客户正忙，约下次联系) does not count either;
    3. an entry without a maturity class does not count: the class must be stated to count.
    Every other entry is an effective contact.
    """
    if maturity is None or maturity == 0:
        return False
    return not (not_reached or busy_call_later)


class ContactLog(OwnedRecord):
    """A contact log entry (联系小记) on an account or a lead (SAL-22)."""

    regarding_entity = models.CharField(_("regarding type"), max_length=64)
    regarding_id = models.UUIDField(_("regarding"))
    method = models.CharField(_("contact method"), max_length=10, choices=ContactMethod.choices, default=ContactMethod.VISIT)
    notes = models.TextField(_("notes"), blank=True, default="")
    maturity = models.PositiveSmallIntegerField(_("maturity class"), null=True, blank=True,
                                                validators=[MinValueValidator(0), MaxValueValidator(99)])
    not_reached = models.BooleanField(_("not reached"), default=False)
    busy_call_later = models.BooleanField(_("customer busy, call later"), default=False)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    effective = models.BooleanField(_("effective contact"), default=False, editable=False)
    follow_up_task = models.ForeignKey(Activity, verbose_name=_("follow-up task"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")
        indexes = [
            models.Index(fields=["regarding_id", "-created_on"], name="contactlog_regarding_idx"),
            models.Index(fields=["owner_user", "created_on"], name="contactlog_owner_idx"),
            models.Index(fields=["-modified_on", "-id"], name="contactlog_modified_idx"),
        ]

    def clean(self):
        if self.regarding_entity and self.regarding_entity not in {"accounts", "leads"}:
            raise ValidationError({"regarding": _("A contact log is kept on an account or a lead.")})
        if self.maturity is not None:
            classes = list(MaturityClass.objects.values_list("value", flat=True))
            if classes and self.maturity not in classes:
                raise ValidationError({"maturity": _("Choose one of the maturity classes: %(classes)s.")
                                       % {"classes": ", ".join(str(c) for c in classes)}})
        self.effective = is_effective_contact(self.maturity, self.not_reached, self.busy_call_later)


class EscalationRule(Record):
    """One escalation rule of the organisation (ACT-5), kept as data so it can be changed."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=EscalationKind.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True, default="",
                                help_text=_("Leave empty for every priority."))
    after_hours = models.PositiveIntegerField(_("after (hours)"), default=24,
                                              help_text=_("Hours after the last action (or after the due time, when overdue)."))
    reassign_to = models.CharField(_("re-assign to"), max_length=10, choices=ReassignTo.choices, blank=True, default="")
    reassign_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("re-assign to user"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def clean(self):
        if self.kind == EscalationKind.REASSIGN and self.reassign_to == ReassignTo.USER and not self.reassign_user_id:
            raise ValidationError({"reassign_user": _("Choose the user to re-assign to.")})


class EscalationTimer(models.Model):
    """When a rule next applies to an activity: a row, so a restart neither loses nor repeats it."""

    id = models.BigAutoField(primary_key=True)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="+")
    basis = models.DateTimeField()  # the moment the delay counts from (last action, assignment or due time)
    fire_on = models.DateTimeField()
    fired_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "rule", "basis"], name="escalation_timer_uniq")]
        indexes = [models.Index(fields=["fired_on", "fire_on"], name="escalation_timer_due_idx")]


class Notification(models.Model):
    """An in-app notification for one user (assignment, rejection, escalation, comment …)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    record_entity = models.CharField(max_length=64, blank=True, default="")
    record_id = models.UUIDField(null=True, blank=True)
    created_on = models.DateTimeField(_("created on"))
    read_on = models.DateTimeField(_("read on"), null=True, blank=True)
    # Makes a notification that must exist once (an escalation firing) impossible to write twice.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "read_on", "-created_on"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_on", "-id"], name="notification_recipient_idx"),
        ]


class EmailTemplate(Record):
    """An e-mail template with ``{{field}}`` placeholders filled from the regarding record (ACT-7)."""

    name = models.CharField(_("name"), max_length=120)
    entity = models.CharField(_("for records of"), max_length=64, blank=True, default="",
                              help_text=_("The entity set whose fields the placeholders name, e.g. contacts."))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Plain text; {{field}} is replaced by the field of the regarding record."))

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
