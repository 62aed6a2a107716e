"""The rules Rapport ships (created inactive on install; an administrator activates them, the demo does)."""

from django.utils.translation import gettext_noop

SHIPPED_RULES = [
    # name, base, matching, mode, conditions [(base field, kind, matching field, length)]
    (gettext_noop("Accounts with the same company name"), "accounts", "accounts", "warn",
     [("name", "company_name", "", None)]),
    (gettext_noop("Accounts with the same phone number"), "accounts", "accounts", "warn",
     [("phone", "subscriber", "", None)]),
    (gettext_noop("Leads for an existing account"), "leads", "accounts", "warn",
     [("company_name", "company_name", "name", None)]),
    (gettext_noop("Leads with the same e-mail address"), "leads", "leads", "warn",
     [("email", "email", "", None)]),
    (gettext_noop("Contacts with the same e-mail address"), "contacts", "contacts", "warn",
     [("email", "email", "", None)]),
]


def ensure_shipped_rules(*, active: bool = False) -> int:
    """Create the shipped rules that are missing (idempotent); ``active`` publishes them too."""
    from rapport.duplicates.detect import publish_rule
    from rapport.duplicates.models import DuplicateCondition, DuplicateRule

    created = 0
    for name, base, matching, mode, conditions in SHIPPED_RULES:
        rule = DuplicateRule.objects.filter(name=name).first()
        if rule is None:
            rule = DuplicateRule.objects.create(name=name, base_entity=base, matching_entity=matching, mode=mode,
                                                state="active" if active else "inactive")
            for base_field, kind, matching_field, length in conditions:
                DuplicateCondition.objects.create(rule=rule, base_field=base_field, kind=kind,
                                                  matching_field=matching_field, length=length)
            created += 1
        elif active and rule.state != "active":
            rule.state = "active"
            rule.save(update_fields=["state"])
        if active:
            publish_rule(rule.pk)
    return created


def on_post_migrate(sender, **kwargs):
    from rapport.duplicates.models import DuplicateRule

    using = kwargs.get("using", "default")
    if using != "default":
        return
    try:
        DuplicateRule.objects.exists()
    except Exception:  # noqa: BLE001 - tables not there yet (a partial migrate)
        return
    ensure_shipped_rules()
