"""Registration of activities, the per-type activity sets, contact logs and the settings tables.

* ``activities`` lists every type together (``activity_type`` tells which) and has the pages.
* ``tasks``, ``phone-calls``, ``emails`` … (API.md) are the same table through per-type proxy
  models; they are API sets without pages of their own (no navigation area), so global search
  and the menu show each activity once, under ``activities``.
* ``contact-logs`` are written from a record's timeline (the regarding account or lead is set
  there), so they have no pages of their own either.
"""

from django.utils.translation import gettext_lazy as _

from rapport.activities.actions import activity_actions
from rapport.activities.choices import (
    ACTIVITY_STATES,
    CANCELLED_REASONS,
    COMPLETED_REASONS,
    TYPE_SETS,
    ActivityType,
)
from rapport.activities.models import (
    PROXIES,
    Activity,
    ContactLog,
    EmailTemplate,
    EscalationRule,
    MaturityClass,
)
from rapport.core.entities import DetailPanel, EntitySpec, Section, Tab, register

COMMON = ["subject", "regarding", "priority", "due_on", "start_on", "end_on", "duration_minutes", "description",
          "outcome"]
TRACKING = ["assigned_by", "assigned_on", "rejection_reason", "closed_on", "converted_to"]
PER_TYPE = {
    ActivityType.TASK: [],
    ActivityType.PHONE_CALL: ["direction", "phone_number"],
    ActivityType.EMAIL: ["direction", "from", "to", "sent_on", "delivery_error"],
    ActivityType.APPOINTMENT: ["location"],
    ActivityType.LETTER: ["direction", "from", "to"],
    ActivityType.FAX: ["direction", "phone_number", "from", "to"],
    ActivityType.SMS: ["direction", "phone_number"],
    ActivityType.VISIT: ["location"],
    ActivityType.MEETING: ["location", "attendees"],
}
LABELS = {
    ActivityType.TASK: (_("Task"), _("Tasks")),
    ActivityType.PHONE_CALL: (_("Phone call"), _("Phone calls")),
    ActivityType.EMAIL: (_("E-mail"), _("E-mails")),
    ActivityType.APPOINTMENT: (_("Appointment"), _("Appointments")),
    ActivityType.LETTER: (_("Letter"), _("Letters")),
    ActivityType.FAX: (_("Fax"), _("Faxes")),
    ActivityType.SMS: (_("SMS"), _("SMS messages")),
    ActivityType.VISIT: (_("Visit"), _("Visits")),
    ActivityType.MEETING: (_("Meeting"), _("Meetings")),
}
OVERRIDES = {
    "from": {"type": "text", "label": _("From"), "column": "from_address", "max_length": 254},
    "phone_number": {"type": "phone"},
    "attendees": {"type": "list", "filterable": False, "sortable": False,
                  "help_text": _("Ids of the contacts and users who attend.")},
    "assigned_by": {"read_only": True},
    "assigned_on": {"read_only": True},
    "rejection_reason": {"read_only": True},
    "closed_on": {"read_only": True},
    "converted_to": {"read_only": True, "label": _("Converted to")},
    "sent_on": {"read_only": True},
    "delivery_error": {"read_only": True},
    "duration_minutes": {"help_text": _("Filled from the start and end when left empty.")},
}
STATUS_REASONS = {"completed": COMPLETED_REASONS, "cancelled": CANCELLED_REASONS}


def comments_context(request, spec, record):
    from rapport.activities.views import comments_panel

    return comments_panel(request, record)


def _activity_spec(set_name, model, label, plural, fields, tabs, *, area: str, features) -> EntitySpec:
    return EntitySpec(
        set_name=set_name,
        model=model,
        label=label,
        label_plural=plural,
        primary_field="subject",
        fields=fields,
        quick_find=["subject"],
        default_columns=["subject", "activity_type", "regarding", "priority", "due_on", "state", "owner"],
        default_ordering=["-modified_on"],
        area=area,
        features=features,
        states=list(ACTIVITY_STATES),
        status_reasons=STATUS_REASONS,
        read_only_states=frozenset({"completed", "cancelled"}),
        initial_state="open",
        actions=activity_actions(set_name),
        field_overrides={**OVERRIDES, **({"activity_type": {"read_only": True}} if set_name != "activities" else {})},
        tabs=tabs,
        detail_panels=[DetailPanel("activities/comments_panel.html", comments_context)] if set_name == "activities" else [],
        icon="calendar",
    )


def register_all():
    all_types = ["direction", "phone_number", "from", "to", "location", "sent_on", "delivery_error"]
    register(_activity_spec(
        "activities", Activity, _("Activity"), _("Activities"),
        ["activity_type", *COMMON, *all_types, *TRACKING],
        [Tab(_("Activity"), [
            Section(_("Activity"), ["activity_type", "subject", "priority", "due_on", "start_on", "end_on",
                                    "duration_minutes"]),
            Section(_("Details"), ["description", "outcome"]),
            Section(_("Phone, e-mail and place"), ["direction", "phone_number", "from", "to", "location"]),
            Section(_("Regarding and assignment"), ["regarding", *TRACKING, "sent_on", "delivery_error"]),
        ])],
        area="sales", features=frozenset({"audit", "state", "notes"}),
    ))
    for code, set_name in TYPE_SETS.items():
        label, plural = LABELS[code]
        extra = PER_TYPE[code]
        register(_activity_spec(
            set_name, PROXIES[code], label, plural, ["activity_type", *COMMON, *extra, *TRACKING],
            [Tab(label, [Section(label, ["subject", "priority", "due_on", "start_on", "end_on", "duration_minutes",
                                         *[n for n in extra if n not in {"sent_on", "delivery_error"}]]),
                         Section(_("Details"), ["description", "outcome"])])],
            area="", features=frozenset({"audit", "state"}),
        ))
    register(EntitySpec(
        set_name="contact-logs",
        model=ContactLog,
        label=_("Contact log"),
        label_plural=_("Contact logs"),
        primary_field="notes",
        fields=["regarding", "method", "notes", "maturity", "not_reached", "busy_call_later", "next_contact_on",
                "effective", "follow_up_task"],
        quick_find=["notes"],
        default_columns=["regarding", "method", "maturity", "effective", "next_contact_on", "owner", "created_on"],
        default_ordering=["-created_on"],
        area="",
        features=frozenset({"audit"}),
        field_overrides={"regarding": {"required": True}, "effective": {"read_only": True},
                         "follow_up_task": {"read_only": True}},
        icon="chat",
    ))
    register(EntitySpec(
        set_name="maturity-classes",
        model=MaturityClass,
        label=_("Maturity class"),
        label_plural=_("Maturity classes"),
        primary_field="label",
        fields=["value", "label", "description"],
        quick_find=["label"],
        default_columns=["value", "label", "description"],
        default_ordering=["value"],
        area="settings",
        features=frozenset({"audit"}),
    ))
    register(EntitySpec(
        set_name="escalation-rules",
        model=EscalationRule,
        label=_("Escalation rule"),
        label_plural=_("Escalation rules"),
        primary_field="name",
        fields=["name", "kind", "priority", "after_hours", "reassign_to", "reassign_user", "is_active"],
        quick_find=["name"],
        default_columns=["name", "kind", "priority", "after_hours", "is_active"],
        default_ordering=["name"],
        area="settings",
        features=frozenset({"audit"}),
    ))
    register(EntitySpec(
        set_name="email-templates",
        model=EmailTemplate,
        label=_("E-mail template"),
        label_plural=_("E-mail templates"),
        primary_field="name",
        fields=["name", "entity", "subject", "body"],
        quick_find=["name", "subject"],
        default_columns=["name", "entity", "subject", "modified_on"],
        default_ordering=["name"],
        area="settings",
        features=frozenset({"audit"}),
    ))
