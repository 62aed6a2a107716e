"""Test factories for the sales entities (loaded by ``rapport.core.testing.factories``)."""

from __future__ import annotations

import itertools

from rapport.core.testing.factories import create_for, register_factory

_numbers = itertools.count(1)


@register_factory("opportunities")
def _opportunity(spec, user, data):
    from rapport.core.entities import get_entity

    account = create_for(get_entity("accounts"), user)
    data = {**data, "customer": str(account.pk)}
    if "probability" in data:
        data["probability"] = 40
    if "revenue_system_calculated" in data:
        data["revenue_system_calculated"] = False
    return data


@register_factory("opportunity-products")
def _line(spec, user, data):
    if "manual_discount" in data:
        data = {**data, "manual_discount": "0.00"}
    return data


def _competitor():
    # Competitors are organisation-owned: only administrators create them, so a test record is made
    # directly for a non-administrator's factory.
    from rapport.sales.models import Competitor

    return Competitor.objects.create(name=f"Rival {next(_numbers)}")


@register_factory("opportunity-competitors")
def _competitor_link(spec, user, data):
    return {**data, "competitor": str(_competitor().pk)}


@register_factory("sales-processes")
def _process(spec, user, data):
    return {**data, "code": f"process-{next(_numbers)}", "is_default": False}


@register_factory("sales-stages")
def _stage(spec, user, data):
    data = {**data, "code": f"stage-{next(_numbers)}"}
    if "probability" in data:
        data["probability"] = 50
    return data
