"""The organisation's starting data: the escalation rules of ACT-5 and the maturity classes of SAL-22.

Both are data an administrator changes under Settings; this only creates them when none exist.
"""

from django.db import migrations

RULES = [
    # name, kind, priority, after_hours, reassign_to
    ("Urgent activity not acted on within 1 day: notify the manager", "notify_manager", "urgent", 24, ""),
    ("Activity not acted on within 3 days: notify the manager", "notify_manager", "normal", 72, ""),
    ("No action for 15 days: re-assign to the manager", "reassign", "", 15 * 24, "manager"),
    ("Overdue: notify the owner and the branch manager", "notify_overdue", "", 0, ""),
]
CLASSES = [
    (0, "No need", "No demand for our products now (does not count as an effective contact)."),
    (1, "Aware", "Knows us; a need may come."),
    (2, "Interested", "Has a need; gathering information."),
    (3, "Evaluating", "Comparing offers; budget being set."),
    (4, "Negotiating", "Terms and price under discussion."),
    (5, "Ready to buy", "Decision expected shortly."),
]


def create(apps, schema_editor):
    rule = apps.get_model("activities", "EscalationRule")
    maturity = apps.get_model("activities", "MaturityClass")
    if not rule.objects.exists():
        for name, kind, priority, hours, reassign_to in RULES:
            rule.objects.create(name=name, kind=kind, priority=priority, after_hours=hours, reassign_to=reassign_to)
    if not maturity.objects.exists():
        for value, label, description in CLASSES:
            maturity.objects.create(value=value, label=label, description=description)


def remove(apps, schema_editor):
    pass  # the rows belong to the organisation once created


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
