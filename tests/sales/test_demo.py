"""The sales demo covers both shipped processes and every stage, and a second load adds nothing."""

import pytest

from rapport.core.actions.base import ActionContext
from rapport.sales.demo import load_sales_demo
from rapport.sales.models import Competitor, Lead, Opportunity, SalesLiterature, SalesStage

pytestmark = pytest.mark.django_db


def test_the_sales_demo_covers_every_stage_and_loads_once(admin):
    from rapport.demo import load_demo

    load_demo(admin_password="Demo-Password-1")
    covered = set(Opportunity.objects.values_list("sales_process__code", "stage"))
    every = set(SalesStage.objects.values_list("sales_process__code", "code"))
    assert every <= covered, every - covered
    assert {"open", "won", "lost"} <= set(Opportunity.objects.values_list("state", flat=True))
    assert {"open", "qualified", "disqualified"} <= set(Lead.objects.values_list("state", flat=True))
    assert Competitor.objects.filter(name="Komatsu").exists() and SalesLiterature.objects.count() >= 4
    again = load_sales_demo(ActionContext(user=admin, channel="system"))
    assert again == {"competitors": 0, "leads": 0, "opportunities": 0, "literature": 0}
