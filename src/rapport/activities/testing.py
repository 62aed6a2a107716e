"""Factory overrides for the generic suite: a contact log needs a regarding account (or lead)."""

from rapport.core.testing.factories import create_for, register_factory


@register_factory("contact-logs")
def _contact_log(spec, user, data):
    from rapport.core.entities import get_entity

    account = create_for(get_entity("accounts"), user)
    data = {**data, "regarding": {"entity": "accounts", "id": str(account.pk)}}
    if "maturity" in data:
        data["maturity"] = 2  # one of the shipped maturity classes (0-5)
    return data


@register_factory("escalation-rules")
def _escalation_rule(spec, user, data):
    return {**data, "reassign_to": "manager"}


_next_class = iter(range(10, 100))


@register_factory("maturity-classes")
def _maturity_class(spec, user, data):
    from rapport.activities.models import MaturityClass

    used = set(MaturityClass.objects.values_list("value", flat=True))
    value = next(v for v in _next_class if v not in used)
    return {**data, "value": value}
