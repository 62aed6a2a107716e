"""The condition tree (API.md "The condition tree"): every operator with hand-checked result sets.

Runs on whichever database the suite runs on (SQLite and PostgreSQL in CI). Records are created
through the actions; expected sets are written out by hand, not computed.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import create_record
from rapport.core.entities import get_entity
from rapport.core.query import QueryError, compile_filter
from rapport.core.query.compile import MAX_DEPTH, MAX_NODES
from rapport.core.testing.api import assert_problem

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2024, 5, 15, 10, 0, tzinfo=UTC)  # a Wednesday; 18:00 in Shanghai


def create(set_name, user, *, at=None, **data):
    ctx = ActionContext(user=user, channel="system", now=at)
    return create_record(get_entity(set_name), data, ctx).record


def matching(set_name, tree, user, *, now=NOW, label="name"):
    spec = get_entity(set_name)
    rows = spec.model.objects.for_user(user, "read").filter(compile_filter(spec, tree, user, now=now))
    return sorted(str(getattr(r, label)) for r in rows)


@pytest.fixture
def accounts(alice):
    a = create("accounts", alice, name="Alpha", city="Beijing", employees=10, annual_revenue="100",
               industry="mining", email="info@alpha.example")
    b = create("accounts", alice, name="Bravo", city="BEIJING", employees=20, annual_revenue="200",
               industry="retail", credit_hold=True)
    c = create("accounts", alice, name="Charlie Co", city="Shanghai")
    d = create("accounts", alice, name="Delta", employees=40, annual_revenue="400", industry="retail",
               parent_account=str(a.pk))
    return {"A": a, "B": b, "C": c, "D": d}


# --- every comparison and text operator --------------------------------------------------------------

CASES = [
    # numbers (C has no employees, no revenue)
    ("employees", "eq", 20, ["Bravo"]),
    ("employees", "eq", "20", ["Bravo"]),
    ("employees", "ne", 20, ["Alpha", "Charlie Co", "Delta"]),  # a record without a value is "not equal"
    ("employees", "lt", 20, ["Alpha"]),
    ("employees", "le", 20, ["Alpha", "Bravo"]),
    ("employees", "gt", 20, ["Delta"]),
    ("employees", "ge", 20, ["Bravo", "Delta"]),
    ("employees", "in", [10, "40", 99], ["Alpha", "Delta"]),
    ("employees", "not-in", [10, 40], ["Bravo", "Charlie Co"]),
    ("employees", "between", [15, 40], ["Bravo", "Delta"]),
    ("employees", "null", None, ["Charlie Co"]),
    ("employees", "not-null", None, ["Alpha", "Bravo", "Delta"]),
    ("annual_revenue", "ge", "200.00", ["Bravo", "Delta"]),
    ("annual_revenue", "between", ["100", "200"], ["Alpha", "Bravo"]),
    ("annual_revenue", "lt", 150.5, ["Alpha"]),
    # text: case-insensitive on both databases; "" counts as null
    ("city", "eq", "beijing", ["Alpha", "Bravo"]),
    ("city", "ne", "BeiJing", ["Charlie Co", "Delta"]),
    ("city", "contains", "HAI", ["Charlie Co"]),
    ("city", "begins-with", "bei", ["Alpha", "Bravo"]),
    ("city", "ends-with", "JING", ["Alpha", "Bravo"]),
    ("city", "in", ["shanghai", "Nowhere"], ["Charlie Co"]),
    ("city", "not-in", ["BEIJING"], ["Charlie Co", "Delta"]),
    ("city", "null", None, ["Delta"]),
    ("city", "not-null", None, ["Alpha", "Bravo", "Charlie Co"]),
    ("name", "contains", "co", ["Charlie Co"]),
    ("name", "between", ["b", "czz"], ["Bravo", "Charlie Co"]),
    ("name", "lt", "BRAVO", ["Alpha"]),
    ("name", "le", "bravo", ["Alpha", "Bravo"]),
    ("name", "gt", "charlie", ["Charlie Co", "Delta"]),
    ("name", "ge", "DELTA", ["Delta"]),
    ("email", "ends-with", "@ALPHA.example", ["Alpha"]),
    ("name", "contains", "%", []),  # wildcards are literal
    ("name", "contains", "_", []),
    # choices
    ("industry", "eq", "mining", ["Alpha"]),
    ("industry", "ne", "retail", ["Alpha", "Charlie Co"]),
    ("industry", "in", ["retail", "energy"], ["Bravo", "Delta"]),
    ("industry", "not-in", ["retail"], ["Alpha", "Charlie Co"]),
    ("industry", "null", None, ["Charlie Co"]),
    ("industry", "not-null", None, ["Alpha", "Bravo", "Delta"]),
    # booleans
    ("credit_hold", "eq", True, ["Bravo"]),
    ("credit_hold", "eq", "false", ["Alpha", "Charlie Co", "Delta"]),
    ("credit_hold", "ne", True, ["Alpha", "Charlie Co", "Delta"]),
    # state
    ("state", "eq", "active", ["Alpha", "Bravo", "Charlie Co", "Delta"]),
    ("state", "in", ["inactive"], []),
]


@pytest.mark.parametrize("field,op,value,expected", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_every_operator(accounts, alice, field, op, value, expected):
    condition = {"field": field, "op": op}
    if value is not None:
        condition["value"] = value
    assert matching("accounts", condition, alice) == expected


def test_lookup_operators(accounts, alice):
    a = str(accounts["A"].pk)
    assert matching("accounts", {"field": "parent_account", "op": "eq", "value": a}, alice) == ["Delta"]
    assert matching("accounts", {"field": "parent_account", "op": "in", "value": [a]}, alice) == ["Delta"]
    assert matching("accounts", {"field": "parent_account", "op": "ne", "value": a}, alice) == ["Alpha", "Bravo", "Charlie Co"]
    assert matching("accounts", {"field": "parent_account", "op": "null"}, alice) == ["Alpha", "Bravo", "Charlie Co"]
    assert matching("accounts", {"field": "parent_account", "op": "not-null"}, alice) == ["Delta"]
    assert matching("accounts", {"field": "id", "op": "in", "value": [a, str(accounts["B"].pk)]}, alice) == ["Alpha", "Bravo"]


# --- groups ----------------------------------------------------------------------------------------------


def test_nested_and_or_groups(accounts, alice):
    tree = {"or": [
        {"and": [{"field": "city", "op": "eq", "value": "beijing"}, {"field": "employees", "op": "gt", "value": 15}]},
        {"and": [{"field": "industry", "op": "null"},
                 {"or": [{"field": "name", "op": "begins-with", "value": "ch"},
                         {"field": "name", "op": "eq", "value": "nobody"}]}]},
    ]}
    assert matching("accounts", tree, alice) == ["Bravo", "Charlie Co"]
    assert matching("accounts", {"and": []}, alice) == ["Alpha", "Bravo", "Charlie Co", "Delta"]
    # An empty group is no condition at all (a filter builder may leave one behind).
    assert matching("accounts", {"or": []}, alice) == ["Alpha", "Bravo", "Charlie Co", "Delta"]
    assert matching("accounts", {}, alice) == ["Alpha", "Bravo", "Charlie Co", "Delta"]
    assert matching("accounts", {"and": [{"or": [{"and": [{"field": "name", "op": "eq", "value": "delta"}]}]}]}, alice) == ["Delta"]


# --- related records: dotted lookups and "any" -----------------------------------------------------------


def test_dotted_lookups(accounts, alice):
    create("contacts", alice, last_name="Wang", account=str(accounts["A"].pk))
    create("contacts", alice, last_name="Li", account=str(accounts["B"].pk))
    create("contacts", alice, last_name="Zhao", account=str(accounts["C"].pk))
    create("contacts", alice, last_name="Solo")
    assert matching("accounts", {"field": "parent_account.industry", "op": "eq", "value": "mining"}, alice) == ["Delta"]
    assert matching("contacts", {"field": "account.city", "op": "eq", "value": "beijing"}, alice, label="last_name") == ["Li", "Wang"]
    assert matching("contacts", {"field": "account.parent_account", "op": "null"}, alice, label="last_name") == ["Li", "Wang", "Zhao"]
    two_hops = {"field": "account.parent_account.name", "op": "eq", "value": "alpha"}
    assert matching("contacts", two_hops, alice, label="last_name") == []
    create("contacts", alice, last_name="Deep", account=str(accounts["D"].pk))
    assert matching("contacts", two_hops, alice, label="last_name") == ["Deep"]


def test_dotted_lookups_do_not_reach_records_the_user_cannot_read(accounts, alice, bob):
    theirs = create("accounts", bob, name="Bob Corp", industry="energy")
    # Bob's contact points at Alice's account? Impossible (he cannot read it); so Alice's account
    # looks at Bob's parent — an administrator sets it up.
    from rapport.customers.models import Account

    Account.objects.filter(pk=accounts["C"].pk).update(parent_account=theirs)
    assert matching("accounts", {"field": "parent_account.industry", "op": "eq", "value": "energy"}, alice) == []
    assert matching("accounts", {"field": "parent_account.industry", "op": "eq", "value": "energy"}, bob) == []


def test_any_related_records(accounts, alice):
    create("contacts", alice, last_name="Wang", account=str(accounts["A"].pk), job_title="CEO")
    create("contacts", alice, last_name="Li", account=str(accounts["B"].pk), job_title="Buyer")
    assert matching("accounts", {"any": "contacts.account"}, alice) == ["Alpha", "Bravo"]
    assert matching("accounts", {"any": "contacts"}, alice) == ["Alpha", "Bravo"]  # one lookup connects them
    where = {"and": [{"field": "job_title", "op": "eq", "value": "ceo"}]}
    assert matching("accounts", {"any": "contacts.account", "where": where}, alice) == ["Alpha"]
    assert matching("accounts", {"and": [{"field": "city", "op": "eq", "value": "beijing"},
                                         {"or": [{"any": "contacts", "where": where},
                                                 {"field": "credit_hold", "op": "eq", "value": True}]}]}, alice) == ["Alpha", "Bravo"]
    # Sub-accounts: accounts.parent_account.
    assert matching("accounts", {"any": "accounts.parent_account"}, alice) == ["Alpha"]


def test_any_through_a_regarding_reference(accounts, alice):
    create("notes", alice, regarding={"entity": "accounts", "id": str(accounts["B"].pk)}, title="Urgent: call back")
    create("notes", alice, regarding={"entity": "accounts", "id": str(accounts["C"].pk)}, title="Routine")
    contact = create("contacts", alice, last_name="Noted")
    # A note on a contact with the same id space never leaks into accounts.
    create("notes", alice, regarding={"entity": "contacts", "id": str(contact.pk)}, title="Urgent too")
    assert matching("accounts", {"any": "notes.regarding"}, alice) == ["Bravo", "Charlie Co"]
    assert matching("accounts", {"any": "notes"}, alice) == ["Bravo", "Charlie Co"]
    urgent = {"field": "title", "op": "begins-with", "value": "urgent"}
    assert matching("accounts", {"any": "notes.regarding", "where": urgent}, alice) == ["Bravo"]
    assert matching("contacts", {"any": "notes", "where": urgent}, alice, label="last_name") == ["Noted"]


def test_any_only_counts_related_records_the_user_can_read(accounts, alice, admin):
    from rapport.customers.models import Contact

    contact = create("contacts", admin, last_name="Hidden")
    Contact.objects.filter(pk=contact.pk).update(account=accounts["A"])
    assert matching("accounts", {"any": "contacts"}, alice) == []
    assert matching("accounts", {"any": "contacts"}, admin) == ["Alpha"]


# --- dates under a fixed now and the user's time zone -----------------------------------------------------


@pytest.fixture
def birthdays(alice):
    days = {"today": "2024-05-15", "yesterday": "2024-05-14", "in five days": "2024-05-20",
            "april": "2024-04-20", "last june": "2023-06-01", "july": "2024-07-01", "none": None}
    for name, day in days.items():
        create("contacts", alice, last_name=name, birthday=day)
    return days


DATE_CASES = [
    ("today", None, ["today"]),
    ("yesterday", None, ["yesterday"]),
    ("this-week", None, ["today", "yesterday"]),  # Monday 13 to Sunday 19 May
    ("this-month", None, ["in five days", "today", "yesterday"]),
    ("last-month", None, ["april"]),
    ("this-year", None, ["april", "in five days", "july", "today", "yesterday"]),
    ("last-year", None, ["last june"]),
    ("last-x-days", 30, ["april", "today", "yesterday"]),
    ("last-x-days", 0, ["today"]),
    ("next-x-days", 5, ["in five days", "today"]),
    ("last-x-months", 1, ["april", "today", "yesterday"]),
    ("last-x-months", 12, ["april", "last june", "today", "yesterday"]),
    ("next-x-months", 1, ["in five days", "today"]),
    ("next-x-months", "2", ["in five days", "july", "today"]),
]


@pytest.mark.parametrize("op,value,expected", DATE_CASES)
def test_date_operators_on_a_date_field(birthdays, alice, op, value, expected):
    condition = {"field": "birthday", "op": op}
    if value is not None:
        condition["value"] = value
    assert matching("contacts", condition, alice, label="last_name") == expected


def test_date_field_comparisons(birthdays, alice):
    assert matching("contacts", {"field": "birthday", "op": "eq", "value": "2024-05-15"}, alice, label="last_name") == ["today"]
    assert matching("contacts", {"field": "birthday", "op": "between", "value": ["2024-05-01", "2024-06-30"]},
                    alice, label="last_name") == ["in five days", "today", "yesterday"]
    assert matching("contacts", {"field": "birthday", "op": "lt", "value": "2024-01-01"}, alice, label="last_name") == ["last june"]
    assert matching("contacts", {"field": "birthday", "op": "null"}, alice, label="last_name") == ["none"]


def test_today_follows_the_users_time_zone(birthdays, alice):
    late = dt.datetime(2024, 5, 14, 20, 0, tzinfo=UTC)  # 14 May in UTC, 15 May 04:00 in Shanghai
    alice.time_zone = "UTC"
    assert matching("contacts", {"field": "birthday", "op": "today"}, alice, now=late, label="last_name") == ["yesterday"]
    alice.time_zone = "Asia/Shanghai"
    assert matching("contacts", {"field": "birthday", "op": "today"}, alice, now=late, label="last_name") == ["today"]


@pytest.fixture
def moments(alice):
    at = {
        "sh-today-utc-yesterday": dt.datetime(2024, 5, 14, 20, 0, tzinfo=UTC),
        "today": dt.datetime(2024, 5, 15, 9, 0, tzinfo=UTC),
        "yesterday": dt.datetime(2024, 5, 14, 2, 0, tzinfo=UTC),
        "monday": dt.datetime(2024, 5, 13, 1, 0, tzinfo=UTC),
        "sunday": dt.datetime(2024, 5, 12, 12, 0, tzinfo=UTC),  # 20:00 Sunday in Shanghai: last week
        "sh-may-utc-april": dt.datetime(2024, 4, 30, 20, 0, tzinfo=UTC),
        "sh-2024-utc-2023": dt.datetime(2023, 12, 31, 18, 0, tzinfo=UTC),
        "old": dt.datetime(2020, 1, 1, 0, 0, tzinfo=UTC),
    }
    for name, moment in at.items():
        create("accounts", alice, name=name, at=moment)
    return at


DATETIME_CASES = [
    ("today", None, "Asia/Shanghai", ["sh-today-utc-yesterday", "today"]),
    ("today", None, "UTC", ["today"]),
    ("yesterday", None, "Asia/Shanghai", ["yesterday"]),
    ("yesterday", None, "UTC", ["sh-today-utc-yesterday", "yesterday"]),
    ("this-week", None, "Asia/Shanghai", ["monday", "sh-today-utc-yesterday", "today", "yesterday"]),
    ("this-week", None, "UTC", ["monday", "sh-today-utc-yesterday", "today", "yesterday"]),
    ("this-month", None, "Asia/Shanghai",
     ["monday", "sh-may-utc-april", "sh-today-utc-yesterday", "sunday", "today", "yesterday"]),
    ("this-month", None, "UTC", ["monday", "sh-today-utc-yesterday", "sunday", "today", "yesterday"]),
    ("last-month", None, "UTC", ["sh-may-utc-april"]),
    ("last-month", None, "Asia/Shanghai", []),
    ("this-year", None, "Asia/Shanghai",
     ["monday", "sh-2024-utc-2023", "sh-may-utc-april", "sh-today-utc-yesterday", "sunday", "today", "yesterday"]),
    ("last-year", None, "UTC", ["sh-2024-utc-2023"]),
    ("last-year", None, "Asia/Shanghai", []),
    ("last-x-days", 1, "Asia/Shanghai", ["sh-today-utc-yesterday", "today", "yesterday"]),
    ("last-x-days", 2, "UTC", ["monday", "sh-today-utc-yesterday", "today", "yesterday"]),
    ("last-x-months", 60, "UTC",
     ["monday", "old", "sh-2024-utc-2023", "sh-may-utc-april", "sh-today-utc-yesterday", "sunday", "today", "yesterday"]),
    ("next-x-days", 3, "UTC", []),
]


@pytest.mark.parametrize("op,value,zone,expected", DATETIME_CASES)
def test_date_operators_on_a_datetime_field_in_the_users_time_zone(moments, alice, op, value, zone, expected):
    alice.time_zone = zone
    condition = {"field": "created_on", "op": op}
    if value is not None:
        condition["value"] = value
    assert matching("accounts", condition, alice) == expected


def test_datetime_field_compared_with_a_date_means_the_users_day(moments, alice):
    alice.time_zone = "Asia/Shanghai"
    assert matching("accounts", {"field": "created_on", "op": "eq", "value": "2024-05-15"}, alice) == [
        "sh-today-utc-yesterday", "today"]
    assert matching("accounts", {"field": "created_on", "op": "lt", "value": "2024-01-01"}, alice) == ["old"]
    alice.time_zone = "UTC"
    assert matching("accounts", {"field": "created_on", "op": "lt", "value": "2024-01-01"}, alice) == ["old", "sh-2024-utc-2023"]
    assert matching("accounts", {"field": "created_on", "op": "between", "value": ["2024-05-13", "2024-05-14"]}, alice) == [
        "monday", "sh-today-utc-yesterday", "yesterday"]
    assert matching("accounts", {"field": "created_on", "op": "ge", "value": "2024-05-15T08:00:00+00:00"}, alice) == ["today"]


def test_modified_records_show_in_the_last_x_days_view(alice):
    create("accounts", alice, name="Fresh")
    create("accounts", alice, name="Stale", at=dt.datetime(2020, 1, 1, tzinfo=UTC))
    from rapport.core.listing import fetch_page, parse_list_params

    query = parse_list_params(get_entity("accounts"), alice, {"view": "recent"})
    assert [r.name for r in fetch_page(query).rows] == ["Fresh"]


# --- current user and business units ------------------------------------------------------------------------


@pytest.fixture
def tree_of_units(make_user):
    from rapport.security.models import BusinessUnit, root_business_unit

    root = root_business_unit()
    branch = BusinessUnit.objects.create(name="Branch", parent=root)
    dept = BusinessUnit.objects.create(name="Dept", parent=branch)
    other = BusinessUnit.objects.create(name="Other", parent=root)
    users = {
        "root": make_user("rooted"), "branch": make_user("brancher", business_unit=branch),
        "dept": make_user("dept", business_unit=dept), "other": make_user("otherer", business_unit=other),
    }
    for key, user in users.items():
        create("accounts", user, name=f"{key} account")
    return {"root": root, "branch": branch, "dept": dept, "other": other, "users": users}


def test_current_user_operators(tree_of_units, admin):
    users = tree_of_units["users"]
    create("accounts", admin, name="admin account")
    assert matching("accounts", {"field": "owner", "op": "eq-current-user"}, admin) == ["admin account"]
    assert matching("accounts", {"field": "owner", "op": "ne-current-user"}, admin) == [
        "branch account", "dept account", "other account", "root account"]
    assert matching("accounts", {"field": "created_by", "op": "eq-current-user"}, users["dept"]) == ["dept account"]
    assert matching("accounts", {"field": "owner", "op": "eq", "value": str(users["branch"].pk)}, admin) == ["branch account"]
    assert matching("accounts", {"field": "owner", "op": "in", "value": [str(users["branch"].pk), str(users["dept"].pk)]},
                    admin) == ["branch account", "dept account"]
    assert matching("accounts", {"field": "owner", "op": "null"}, admin) == []


def test_business_unit_operators(tree_of_units, admin):
    users = tree_of_units["users"]
    assert matching("accounts", {"field": "owning_business_unit", "op": "eq-current-user-business-unit"}, users["branch"]) == [
        "branch account"]
    under = {"field": "owning_business_unit", "op": "under-business-unit", "value": str(tree_of_units["branch"].pk)}
    assert matching("accounts", under, admin) == ["branch account", "dept account"]
    under_root = {"field": "owning_business_unit", "op": "under-business-unit", "value": str(tree_of_units["root"].pk)}
    assert len(matching("accounts", under_root, admin)) == 4
    # The record filter still applies: a user sees only their own records under the unit.
    assert matching("accounts", under, users["dept"]) == ["dept account"]


# --- the API's filter parameter compiles the same tree -----------------------------------------------------


def test_the_api_filter_and_shorthand_give_the_same_sets(accounts, alice, api_client):
    client = api_client(alice)
    for field, op, value, expected in CASES:
        condition = {"field": field, "op": op}
        if value is not None:
            condition["value"] = value
        response = client.get("/api/v1/accounts/", {"filter": json.dumps(condition), "page_size": 500})
        assert response.status_code == 200, (condition, response.content)
        assert sorted(r["name"] for r in response.json()["results"]) == expected, condition


# --- rejection of bad trees -------------------------------------------------------------------------------

BAD_TREES = [
    ({"field": "colour", "op": "eq", "value": "red"}, "unknown-field", "colour"),
    ({"field": "parent_account.colour", "op": "eq", "value": 1}, "unknown-field", "parent_account.colour"),
    ({"field": "name.length", "op": "eq", "value": 1}, "unknown-field", "name"),
    ({"field": "owner.username", "op": "eq", "value": "x"}, "unknown-field", "owner"),
    ({"field": "custom", "op": "eq", "value": 1}, "unknown-field", "custom"),
    ({"field": "name", "op": "resembles", "value": "x"}, "unknown-operator", "resembles"),
    ({"field": "name", "op": ["eq"], "value": "x"}, "unknown-operator", ""),
    ({"field": "employees", "op": "contains", "value": "1"}, "unknown-operator", "employees"),
    ({"field": "name", "op": "last-x-days", "value": 3}, "unknown-operator", "name"),
    ({"field": "name", "op": "eq-current-user"}, "unknown-operator", "name"),
    ({"field": "owner", "op": "under-business-unit", "value": "x"}, "unknown-operator", "owner"),
    ({"any": "widgets"}, "unknown-set", "widgets"),
    ({"any": "contacts.first_name"}, "unknown-field", "contacts"),
    ({"any": "connections"}, "unknown-field", "connections"),
    ({"field": "employees", "op": "eq", "value": "many"}, "invalid-value", "employees"),
    ({"field": "employees", "op": "eq", "value": 10 ** 30}, "invalid-value", "employees"),
    ({"field": "employees", "op": "eq", "value": True}, "invalid-value", "employees"),
    ({"field": "annual_revenue", "op": "gt", "value": "NaN"}, "invalid-value", "annual_revenue"),
    ({"field": "annual_revenue", "op": "gt", "value": "1e400"}, "invalid-value", "annual_revenue"),
    ({"field": "employees", "op": "in", "value": []}, "invalid-value", "in"),
    ({"field": "employees", "op": "in", "value": 5}, "invalid-value", "in"),
    ({"field": "employees", "op": "between", "value": [1]}, "invalid-value", "between"),
    ({"field": "employees", "op": "eq", "value": {"a": 1}}, "invalid-value", "employees"),
    ({"field": "employees", "op": "eq", "value": None}, "invalid-value", "employees"),
    ({"field": "name", "op": "eq"}, "invalid-value", "eq"),
    ({"field": "industry", "op": "eq", "value": "alchemy"}, "invalid-value", "industry"),
    ({"field": "credit_hold", "op": "eq", "value": "perhaps"}, "invalid-value", "credit_hold"),
    ({"field": "created_on", "op": "eq", "value": "2024-13-01"}, "invalid-value", "created_on"),
    ({"field": "created_on", "op": "last-x-days", "value": "x"}, "invalid-value", "last-x-days"),
    ({"field": "created_on", "op": "last-x-days", "value": -1}, "invalid-value", "last-x-days"),
    ({"field": "created_on", "op": "next-x-months", "value": 10 ** 9}, "invalid-value", "next-x-months"),
    ({"field": "employees", "op": "eq", "value": "1.5"}, "invalid-value", "employees"),
    ({"field": "parent_account", "op": "eq", "value": "not-a-uuid"}, "invalid-value", "parent_account"),
    ({"field": "owner", "op": "eq", "value": "not-a-uuid"}, "invalid-value", "owner"),
    ({"field": "owning_business_unit", "op": "under-business-unit"}, "invalid-value", "under-business-unit"),
    ([], "malformed", ""),
    ("name = 'x'", "malformed", ""),
    (5, "malformed", ""),
    ({"and": "x"}, "malformed", "and"),
    ({"and": [], "or": []}, "malformed", ""),
    ({"and": [1]}, "malformed", ""),
    ({"not": [{"field": "name", "op": "eq", "value": "x"}]}, "malformed", ""),
    ({"field": "name", "op": "eq", "value": "x", "extra": 1}, "malformed", "extra"),
    ({"field": "", "op": "eq", "value": "x"}, "malformed", "field"),
    ({"field": 5, "op": "eq", "value": "x"}, "malformed", "field"),
    ({"op": "eq", "value": "x"}, "malformed", ""),
    ({"any": "contacts", "where": 5}, "malformed", ""),
    ({"any": "contacts", "extra": 1}, "malformed", "extra"),
    ({"any": 5}, "malformed", "any"),
    ({"any": ""}, "malformed", "any"),
]


def _nested(depth):
    tree = {"field": "name", "op": "eq", "value": "x"}
    for _ in range(depth):
        tree = {"and": [tree]}
    return tree


TOO_COMPLEX = [
    (_nested(MAX_DEPTH + 1), "too-complex", ""),
    ({"or": [{"field": "name", "op": "eq", "value": str(i)} for i in range(MAX_NODES + 1)]}, "too-complex", ""),
    ({"any": "contacts", "where": _nested(MAX_DEPTH)}, "too-complex", ""),
]


@pytest.mark.parametrize("tree,code,named", BAD_TREES + TOO_COMPLEX, ids=[f"bad{i}" for i in range(len(BAD_TREES + TOO_COMPLEX))])
def test_each_kind_of_bad_tree_is_refused_naming_the_fault(alice, tree, code, named):
    with pytest.raises(QueryError) as raised:
        compile_filter(get_entity("accounts"), tree, alice, now=NOW)
    error = raised.value
    assert error.codes == {"filter": [code]}
    assert named in error.errors["filter"][0]


@pytest.mark.parametrize("tree,code,named", BAD_TREES + TOO_COMPLEX, ids=[f"bad{i}" for i in range(len(BAD_TREES + TOO_COMPLEX))])
def test_bad_trees_are_400_through_the_api_never_500(alice, api_client, tree, code, named):
    response = api_client(alice).get("/api/v1/accounts/", {"filter": json.dumps(tree)})
    body = assert_problem(response, 400, "validation", "filter", code)
    assert named in body["errors"]["filter"][0]


def test_depth_limit_is_exactly_the_documented_one(alice):
    compile_filter(get_entity("accounts"), _nested(MAX_DEPTH - 1), alice)
    with pytest.raises(QueryError):
        compile_filter(get_entity("accounts"), _nested(MAX_DEPTH + 1), alice)
