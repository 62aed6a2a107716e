"""Demo activities on the demo organisation's records: a plan for this week, history, contact logs,
an e-mail template. Idempotent: an activity or log that exists (same record and subject) is skipped.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from rapport.activities.models import Activity, ContactLog, EmailTemplate
from rapport.core.actions.crud import create_record
from rapport.core.entities import get_entity

PLAN = [
    # (type, subject, days from today, hour, priority, completed, outcome)
    ("phone_call", "Call about the service contract renewal", -6, 10, "normal", True,
     "Interested in a three-year contract; send the offer."),
    ("visit", "Site visit: fleet inspection", -2, 14, "normal", True, "Two machines due for overhaul in Q3."),
    ("task", "Prepare the quotation for spare parts", 1, 9, "urgent", False, ""),
    ("appointment", "Demonstration of the new loader", 3, 11, "normal", False, ""),
    ("email", "Send the product brochure", 0, 16, "low", False, ""),
    ("meeting", "Quarterly review with purchasing", 8, 15, "normal", False, ""),
]


def load_activities_demo(ctx) -> dict:
    """Create the demo activities that are missing for the demo accounts; return counts."""
    accounts_spec = get_entity("accounts")
    accounts = list(accounts_spec.model.objects.filter(account_number__startswith="DEMO-").order_by("account_number")[:12])
    created = {"activities": 0, "contact_logs": 0, "email_templates": 0}
    if not accounts:
        return created
    rng = random.Random(2024)
    today = timezone.localdate()
    existing = set(Activity.objects.filter(regarding_id__in=[a.pk for a in accounts]).values_list("regarding_id", "subject"))
    logged = set(ContactLog.objects.filter(regarding_id__in=[a.pk for a in accounts]).values_list("regarding_id", flat=True))
    with transaction.atomic():
        for index, account in enumerate(accounts):
            for kind, subject, days, hour, priority, completed, outcome in rng.sample(PLAN, k=3):
                if (account.pk, subject) in existing:
                    continue
                when = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days + index % 3), dt.time(hour)))
                data = {"subject": subject, "regarding": {"entity": "accounts", "id": str(account.pk)},
                        "priority": priority, "due_on": when.isoformat()}
                if kind in {"appointment", "meeting", "visit"}:
                    data.update(start_on=when.isoformat(), end_on=(when + dt.timedelta(hours=1)).isoformat(),
                                location=account.city or "")
                if kind in {"phone_call"}:
                    data.update(direction="outgoing", phone_number=account.phone or "")
                if kind == "email":
                    data.update(direction="outgoing", to=account.email or "info@example.com")
                from rapport.activities.choices import TYPE_SETS

                spec = get_entity(TYPE_SETS[kind])
                record = create_record(spec, data, ctx).record
                if completed:
                    from rapport.core.actions.base import run_action

                    run_action(spec.set_name, record.pk, "complete", ctx, {"outcome": outcome})
                existing.add((account.pk, subject))
                created["activities"] += 1
            if account.pk not in logged and index % 2 == 0:
                create_record(get_entity("contact-logs"), {
                    "regarding": {"entity": "accounts", "id": str(account.pk)}, "method": "visit",
                    "notes": "Met the purchasing manager; budget planned for next quarter.",
                    "maturity": 1 + index % 4, "next_contact_on": (today + dt.timedelta(days=7 + index)).isoformat(),
                }, ctx)
                created["contact_logs"] += 1
        if not EmailTemplate.objects.filter(name="Thank you for your visit").exists():
            create_record(get_entity("email-templates"), {
                "name": "Thank you for your visit", "entity": "contacts", "subject": "Thank you, {{full_name}}",
                "body": "Dear {{full_name}},\n\nthank you for your time today at {{account.name}}.\n"
                        "As promised, the brochure is attached.\n\nBest regards",
            }, ctx)
            created["email_templates"] += 1
    return created
