"""The shipped security roles (SEC-4) and how every registered entity picks up privileges.

Each shipped role is a template: a depth per privilege for owned entities by area (``sales``,
``marketing``, ``service``, ``*`` for any other area), for organisation-owned entities (catalogues,
settings) and for entities whose access follows another record (notes, connections). On every
``migrate`` :func:`sync_shipped_roles` creates the missing roles in the root business unit and
writes, for every registered entity set a role does not mention yet, the template's depths — so
an entity added by a later release gets sensible privileges automatically, while a set an
administrator already edited is left alone. Running it twice changes nothing.

Defaults (modelled on the Dynamics CRM roles, documented in docs/security.md):

* System Administrator — organisation depth for everything, every miscellaneous privilege.
* Sales Manager — sales: parent:child business units for every privilege but create/delete
  (user); other areas: read at business unit; manager hierarchy; export, bulk edit, import, merge.
* Salesperson — sales: user depth (own and own teams' records) for every privilege; other areas:
  read at user depth; export and bulk edit. New users get this role unless told otherwise.
* Marketing Manager — marketing: organisation; sales: read at business unit; export, import.
* Customer Service Representative — service: user depth; sales (customers): read and append-to at
  business unit; export.
* Data Administrator — organisation for every privilege on owned and organisation-owned entities;
  export, bulk edit, import, merge (HC360: keeps customer data clean, releases to the pool).
* Agent Administrator (代理商管理员) — sales: parent:child business units for read, write, assign,
  share, append, append-to; create at user; export; manager hierarchy.
* Read-only — read at organisation depth on everything, nothing else.

Everyone reads organisation-owned entities (catalogues); only the System and Data Administrators
change them.
"""

from __future__ import annotations

from django.db import transaction

from rapport.core.entities import all_entities
from rapport.security.models import Role, root_business_unit

ALL = ("create", "read", "write", "delete", "append", "append_to", "assign", "share")


def _every(depth: str) -> dict:
    return {privilege: depth for privilege in ALL}


def _only(**depths) -> dict:
    return dict(depths)


ORG_READ = _only(read="organization")

SHIPPED_ROLES = {
    "system_administrator": {
        "name": "System Administrator",
        "owned": {"*": _every("organization")},
        "organization_owned": _every("organization"),
        "follows": _every("organization"),
        "misc": ["export", "bulk_edit", "import", "merge", "manage_users", "customize"],
        "manager_hierarchy": True,
    },
    "sales_manager": {
        "name": "Sales Manager",
        "owned": {
            "sales": {**_every("parent_child"), "create": "user", "delete": "user"},
            "*": _only(read="business_unit", append_to="business_unit"),
        },
        "organization_owned": ORG_READ,
        "follows": _every("user"),
        "misc": ["export", "bulk_edit", "import", "merge"],
        "manager_hierarchy": True,
    },
    "salesperson": {
        "name": "Salesperson",
        "owned": {"sales": _every("user"), "*": _every("user")},
        "organization_owned": ORG_READ,
        "follows": _every("user"),
        "misc": ["export", "bulk_edit"],
        "manager_hierarchy": False,
    },
    "marketing_manager": {
        "name": "Marketing Manager",
        "owned": {
            "marketing": _every("organization"),
            "sales": _only(read="business_unit", append_to="business_unit"),
            "*": _only(read="user"),
        },
        "organization_owned": ORG_READ,
        "follows": _every("user"),
        "misc": ["export", "import"],
        "manager_hierarchy": True,
    },
    "customer_service_representative": {
        "name": "Customer Service Representative",
        "owned": {
            "service": _every("user"),
            "sales": _only(read="business_unit", append_to="business_unit"),
            "*": _only(read="user"),
        },
        "organization_owned": ORG_READ,
        "follows": _every("user"),
        "misc": ["export"],
        "manager_hierarchy": False,
    },
    "data_administrator": {
        "name": "Data Administrator",
        "owned": {"*": _every("organization")},
        "organization_owned": _every("organization"),
        "follows": _every("organization"),
        "misc": ["export", "bulk_edit", "import", "merge"],
        "manager_hierarchy": False,
    },
    "agent_administrator": {
        "name": "Agent Administrator",
        "owned": {
            "sales": {**_every("parent_child"), "create": "user", "delete": "none"},
            "*": _only(read="business_unit"),
        },
        "organization_owned": ORG_READ,
        "follows": _every("user"),
        "misc": ["export"],
        "manager_hierarchy": True,
    },
    "read_only": {
        "name": "Read-only",
        "owned": {"*": _only(read="organization")},
        "organization_owned": ORG_READ,
        "follows": _only(read="organization"),
        "misc": [],
        "manager_hierarchy": False,
    },
}
DEFAULT_ROLE = "salesperson"


def template_privileges(code: str, spec) -> dict:
    """The template depths of shipped role ``code`` for entity ``spec`` (privilege → depth)."""
    template = SHIPPED_ROLES[code]
    if spec.read_filter is not None:
        granted = template["follows"]
    elif spec.is_owned:
        granted = template["owned"].get(spec.area) or template["owned"].get("*", {})
    else:
        granted = template["organization_owned"]
    return {privilege: granted.get(privilege, "none") for privilege in ALL}


def sync_shipped_roles() -> list[Role]:
    """Create the shipped roles that are missing and add privileges for newly registered sets."""
    roles = []
    with transaction.atomic():
        root = root_business_unit()
        specs = all_entities()
        for code, template in SHIPPED_ROLES.items():
            role = Role.objects.filter(code=code).first()
            if role is None:
                role = Role(code=code, name=template["name"], business_unit=root,
                            misc_privileges=list(template["misc"]), manager_hierarchy=template["manager_hierarchy"])
                role.privileges = {}
            privileges = dict(role.privileges or {})
            changed = role._state.adding
            for spec in specs:
                if spec.set_name not in privileges:
                    privileges[spec.set_name] = template_privileges(code, spec)
                    changed = True
            if changed:
                role.privileges = privileges
                role.save()
            roles.append(role)
    return roles


def shipped_role(code: str) -> Role:
    """The shipped role ``code`` (created, with every set's privileges, when missing)."""
    role = Role.objects.filter(code=code).first()
    if role is None:
        sync_shipped_roles()
        role = Role.objects.get(code=code)
    return role


def on_post_migrate(sender, **kwargs) -> None:
    """``post_migrate`` receiver: keep the shipped roles in step with the registry."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    try:
        Role.objects.exists()
    except Exception:  # the table is not there yet (migrating backwards)
        return
    sync_shipped_roles()
