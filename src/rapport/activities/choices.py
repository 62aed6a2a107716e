"""Option sets of activities, contact logs and escalation rules (stable codes, translated labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityType(models.TextChoices):
    TASK = "task", _("Task")
    PHONE_CALL = "phone_call", _("Phone call")
    EMAIL = "email", _("E-mail")
    APPOINTMENT = "appointment", _("Appointment")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class ContactMethod(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    MESSAGE = "message", _("Message")
    OTHER = "other", _("Other")


class EscalationKind(models.TextChoices):
    NOTIFY_MANAGER = "notify_manager", _("Not acted on: notify the manager")
    REASSIGN = "reassign", _("No action: re-assign")
    NOTIFY_OVERDUE = "notify_overdue", _("Overdue: notify the owner and the branch manager")


class ReassignTo(models.TextChoices):
    MANAGER = "manager", _("The owner's manager")
    USER = "user", _("A chosen user")


ACTIVITY_STATES = [("open", _("Open")), ("completed", _("Completed")), ("cancelled", _("Cancelled"))]
COMPLETED_REASONS = [("completed", _("Completed")), ("made", _("Made")), ("sent", _("Sent")), ("received", _("Received")),
                     ("held", _("Held"))]
CANCELLED_REASONS = [("cancelled", _("Cancelled"))]

# The per-type entity sets of API.md, by activity type.
TYPE_SETS = {
    ActivityType.TASK: "tasks",
    ActivityType.PHONE_CALL: "phone-calls",
    ActivityType.EMAIL: "emails",
    ActivityType.APPOINTMENT: "appointments",
    ActivityType.LETTER: "letters",
    ActivityType.FAX: "faxes",
    ActivityType.SMS: "sms",
    ActivityType.VISIT: "visits",
    ActivityType.MEETING: "meetings",
}
SET_TYPES = {set_name: str(code) for code, set_name in TYPE_SETS.items()}
