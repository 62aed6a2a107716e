"""Report figures against hand-computed values, and against the record filter."""

import datetime as dt
from decimal import Decimal

import pytest

from rapport.sales.models import SalesProcess
from rapport.sales.reports import (
    ReportFilter,
    disqualification_reasons,
    forecast_by_month,
    lead_conversion,
    pipeline_funnel,
    win_rates,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(create, act, alice, bob, admin, account):
    """Alice: 3 open (2 identification, 1 qualification), 1 won, 1 lost to Komatsu; Bob: 1 open."""
    from rapport.sales.models import SalesStage, StageCriterion

    bob_account = create(bob, "accounts", name="Bob's customer")

    def opp(user, customer, topic, revenue, close):
        return create(user, "opportunities", topic=topic, customer=str(customer.pk), estimated_revenue=revenue,
                      estimated_close_date=close)

    first = opp(alice, account, "A1", "1000.00", "2030-01-10")
    opp(alice, account, "A2", "3000.00", "2030-01-20")
    third = opp(alice, account, "A3", "5000.00", "2030-02-05")
    for criterion in StageCriterion.objects.filter(stage__code="identification", stage__sales_process=third.sales_process):
        act(alice, "opportunities", third, "check-criterion", criterion=str(criterion.pk))
    act(alice, "opportunities", third, "promote")  # qualification, probability 20
    won = opp(alice, account, "A4", "7000.00", "2030-01-15")
    act(alice, "opportunities", won, "win", actual_revenue="6500.00", actual_close_date="2030-01-31")
    lost = opp(alice, account, "A5", "2000.00", "2030-02-15")
    komatsu = create(admin, "competitors", name="Komatsu")
    act(alice, "opportunities", lost, "lose", status_reason="out_sold", competitor=str(komatsu.pk))
    opp(bob, bob_account, "B1", "9000.00", "2030-01-12")
    del first, SalesStage
    return {"komatsu": komatsu}


def filters(**kwargs):
    return ReportFilter(process=SalesProcess.objects.get(code="westrac"), **kwargs)


def test_funnel_by_stage_for_the_administrator(pipeline, admin):
    data = pipeline_funnel(admin, filters())
    rows = {r.extra["code"]: r for r in data["rows"]}
    assert [r.extra["code"] for r in data["rows"]] == ["identification", "qualification", "development", "proposal"]
    # identification: A1 1000 + A2 3000 + B1 9000 at 0 %; qualification: A3 5000 at 20 % = 1000.
    assert (rows["identification"].count, rows["identification"].estimated, rows["identification"].weighted) == (
        3, Decimal("13000.00"), Decimal("0.00"))
    assert (rows["qualification"].count, rows["qualification"].estimated, rows["qualification"].weighted) == (
        1, Decimal("5000.00"), Decimal("1000.00"))
    assert data["totals"].count == 4 and data["totals"].estimated == Decimal("18000.00")


def test_a_salespersons_funnel_counts_only_what_they_may_read(pipeline, alice, bob):
    rows = {r.extra["code"]: r for r in pipeline_funnel(alice, filters())["rows"]}
    assert rows["identification"].count == 2 and rows["identification"].estimated == Decimal("4000.00")
    bobs = {r.extra["code"]: r for r in pipeline_funnel(bob, filters())["rows"]}
    assert bobs["identification"].count == 1 and bobs["qualification"].count == 0
    assert pipeline_funnel(bob, filters())["totals"].estimated == Decimal("9000.00")


def test_funnel_filters_by_owner_and_period(pipeline, admin, alice):
    data = pipeline_funnel(admin, filters(owner=alice.pk))
    assert data["totals"].count == 3
    january = pipeline_funnel(admin, filters(start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31)))
    assert january["totals"].count == 3 and january["totals"].estimated == Decimal("13000.00")


def test_forecast_by_month(pipeline, admin):
    rows = forecast_by_month(admin, filters())["rows"]
    assert [(r.label, r.count, r.estimated, r.weighted) for r in rows] == [
        ("2030-01", 3, Decimal("13000.00"), Decimal("0.00")),
        ("2030-02", 1, Decimal("5000.00"), Decimal("1000.00")),
    ]


def test_win_rates(pipeline, admin, bob):
    data = win_rates(admin, filters())
    assert (data["won"], data["lost"], data["win_rate"]) == (1, 1, 50.0)
    assert data["participation_rate"] == 100.0  # won + out-sold: both decided against a competitor
    assert data["close_rate"] == round(100 / 6, 1)  # 1 won of 6 with an estimated close date
    assert data["funnel_ratio"] == round(18000 / 6500, 2)
    assert [(r.label, r.extra["won"], r.extra["lost"]) for r in data["by_competitor"]] == [("Komatsu", 0, 1)]
    assert win_rates(bob, filters())["closed"] == 0


def test_lead_conversion_and_disqualification_reasons(create, act, alice, bob, admin):
    def lead(user, source, name):
        return create(user, "leads", topic="t", last_name=name, company_name="c", lead_source=source,
                      email=f"{name}@x.example", referred_by="someone" if source == "referral" else "")

    a = lead(alice, "trade_show", "a")
    lead(alice, "trade_show", "b")
    c = lead(alice, "referral", "c")
    d = lead(bob, "web_site", "d")
    act(alice, "leads", a, "qualify")
    act(alice, "leads", c, "disqualify", status_reason="cannot_contact")
    act(bob, "leads", d, "disqualify", status_reason="cannot_contact")
    data = lead_conversion(admin, ReportFilter())
    by_source = {r.label: r for r in data["by_source"]}
    assert (by_source["Trade show"].count, by_source["Trade show"].extra["qualified"], by_source["Trade show"].extra["rate"]) == (2, 1, 50.0)
    assert by_source["Referral"].extra["disqualified"] == 1
    assert (data["total"], data["qualified"], data["rate"]) == (4, 1, 25.0)
    by_owner = {r.label: r.count for r in data["by_owner"]}
    assert by_owner == {"alice": 3, "bob": 1}
    assert lead_conversion(bob, ReportFilter())["total"] == 1
    reasons = disqualification_reasons(admin, ReportFilter())
    assert [(r.label, r.count) for r in reasons["rows"]] == [("Cannot contact", 2)]
    assert disqualification_reasons(alice, ReportFilter())["total"] == 1
