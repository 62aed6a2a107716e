"""The demo organisation of the seeds (WESTRAC, HC360): a company with Beijing and Liaoning branches,
machine-sales and parts-sales departments, managers, salespeople, a data administrator and an
agent administrator. Loaded idempotently by ``rapport demo`` through :func:`load_security_demo`
(a second run adds nothing); every write goes through the security actions.

Every demo user signs in with :data:`DEMO_PASSWORD` (the demo listens on 127.0.0.1 only).
"""

from __future__ import annotations

from rapport.core.actions.base import ActionContext, run_action
from rapport.core.entities import get_entity
from rapport.security.actions import create_user
from rapport.security.actions_organisation import create_business_unit, create_team, update_business_unit
from rapport.security.actions_roles import create_field_security_profile
from rapport.security.models import BusinessUnit, FieldSecurityProfile, Team, User, root_business_unit
from rapport.security.roles import shipped_role

DEMO_PASSWORD = "Rapport-demo-2025"
COMPANY = "Westrac China"
UNITS = [
    # (name, parent name)
    ("Westrac China Beijing Branch", COMPANY),
    ("Westrac China Beijing Machine Sales", "Westrac China Beijing Branch"),
    ("Westrac China Beijing Parts Sales", "Westrac China Beijing Branch"),
    ("Westrac China Liaoning Branch", COMPANY),
    ("Westrac China Liaoning Machine Sales", "Westrac China Liaoning Branch"),
    ("Westrac China Liaoning Parts Sales", "Westrac China Liaoning Branch"),
]
USERS = [
    # (login, full name, unit, role code, manager login, managed units)
    ("zhang.wei", "张伟 (Sales Director)", COMPANY, "sales_manager", None,
     ["Westrac China Beijing Branch", "Westrac China Liaoning Branch"]),
    ("li.na", "李娜 (Beijing Branch Manager)", "Westrac China Beijing Branch", "sales_manager", "zhang.wei", []),
    ("wang.qiang", "王强 (Liaoning Branch Manager)", "Westrac China Liaoning Branch", "sales_manager", "zhang.wei", []),
    ("zhao.lei", "赵磊 (Beijing machine sales)", "Westrac China Beijing Machine Sales", "salesperson", "li.na", []),
    ("sun.mei", "孙梅 (Beijing parts sales)", "Westrac China Beijing Parts Sales", "salesperson", "li.na", []),
    ("liu.yang", "刘洋 (Liaoning machine sales)", "Westrac China Liaoning Machine Sales", "salesperson", "wang.qiang", []),
    ("chen.jing", "陈静 (Liaoning parts sales)", "Westrac China Liaoning Parts Sales", "salesperson", "wang.qiang", []),
    ("zhou.min", "周敏 (Data Administrator)", COMPANY, "data_administrator", None, []),
    ("wu.hao", "吴浩 (Agent Administrator)", COMPANY, "agent_administrator", None, []),
]
SALESPEOPLE = ["zhao.lei", "sun.mei", "liu.yang", "chen.jing"]
ACCOUNTS_TO_HAND_OUT = 40


def demo_logins() -> list[tuple[str, str]]:
    """(login, description) of the demo users, for the README and ``rapport demo``'s output."""
    return [(login, full_name) for login, full_name, *_rest in USERS]


def load_security_demo(ctx: ActionContext) -> dict[str, int]:
    """Create the missing demo units, users, team and profile; hand out some admin-owned accounts.

    ``ctx`` is the administrator's context; returns how many of each kind were added.
    """
    system = ActionContext(user=None, channel=ctx.channel, request_id=ctx.request_id)
    added = {"business_units": 0, "users": 0, "teams": 0, "assignments": 0}
    root = root_business_unit()
    if root.name != COMPANY and not BusinessUnit.objects.filter(name=COMPANY).exists():
        update_business_unit(root.pk, {"name": COMPANY}, system)
    units = {unit.name: unit for unit in BusinessUnit.objects.all()}
    for name, parent in UNITS:
        if name not in units:
            units[name] = create_business_unit({"name": name, "parent": str(units[parent].pk)}, system)
            added["business_units"] += 1
    people = {user.username: user for user in User.objects.filter(username__in=[u[0] for u in USERS])}
    for login, full_name, unit, role, manager, managed in USERS:
        if login in people:
            continue
        people[login] = create_user(
            system, username=login, password=DEMO_PASSWORD, full_name=full_name, email=f"{login}@westrac.example.cn",
            business_unit=units[unit], roles=[shipped_role(role)], manager=people.get(manager) if manager else None,
            managed_business_units=[units[m] for m in managed], language="zh-hans", time_zone="Asia/Shanghai",
        )
        added["users"] += 1
    if not Team.objects.filter(name="Beijing key accounts").exists():
        create_team({"name": "Beijing key accounts", "business_unit": str(units["Westrac China Beijing Branch"].pk),
                     "members": [str(people["zhao.lei"].pk), str(people["sun.mei"].pk)]}, system)
        added["teams"] += 1
    if not FieldSecurityProfile.objects.filter(name="Credit management").exists() and get_entity("accounts") is not None:
        create_field_security_profile({
            "name": "Credit management",
            "description": "WESTRAC: credit limits are kept by the credit department and the managers.",
            "fields": {"accounts.credit_limit": {"read": True, "update": True}},
            "members": [str(people[login].pk) for login in ("zhang.wei", "li.na", "wang.qiang", "zhou.min")],
        }, system)
    added["assignments"] = _hand_out_accounts(ctx, [people[login] for login in SALESPEOPLE])
    return added


def _hand_out_accounts(ctx: ActionContext, salespeople: list[User]) -> int:
    """Give the first demo accounts still owned by the administrator to the salespeople, in turn."""
    spec = get_entity("accounts")
    if spec is None or ctx.user is None:
        return 0
    # Always the same first accounts by number, so a second run finds them handed out already.
    first = list(spec.model.objects.order_by("account_number", "pk").values_list("pk", "owner_user_id")[:ACCOUNTS_TO_HAND_OUT])
    count = 0
    for index, (pk, owner_id) in enumerate(first):
        if owner_id != ctx.user.pk:
            continue
        run_action("accounts", pk, "assign", ctx, {"owner": str(salespeople[index % len(salespeople)].pk)})
        count += 1
    return count
