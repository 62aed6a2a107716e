"""Merge (PLT-16), the public customer pool and capacity rules (SAL-21, SAL-23).

The pool part adds, without touching the customers and sales apps' registrations:

* the read-only fields ``pool`` and ``pooled_on`` and the actions ``claim``, ``release`` and
  ``abandon`` to the ``accounts`` and ``leads`` entities;
* the pool's clause of the one record filter (``visibility.py``);
* a write hook that takes a record out of its pool when it gets an owner;
* the nightly job returning idle accounts to the pool (``tasks.py``);
* the pages: Sales → Public pool, Settings → Customer pool rules.
"""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

POOL_FIELDS = ["pool", "pooled_on"]


class PoolConfig(AppConfig):
    name = "rapport.pool"
    label = "pool"
    verbose_name = _("Customer pool and merge")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core import entities
        from rapport.core.navigation import Page, register_page
        from rapport.core.registry import registry
        from rapport.pool import tasks  # noqa: F401  (declares the return schedule)
        from rapport.pool.actions import pool_actions
        from rapport.pool.hooks import capacity_write_hook, pool_write_hook
        from rapport.pool.rules import POOL_SETS
        from rapport.pool.views import kpi_panel
        from rapport.pool.visibility import pool_read_q

        for set_name in POOL_SETS:
            spec = registry["entities"][set_name]
            spec.fields.extend(name for name in POOL_FIELDS if name not in spec.fields)
            for name in POOL_FIELDS:
                spec.field_overrides.setdefault(name, {}).update({"read_only": True})
            spec.actions.extend(pool_actions())
            if entities._finalized:  # something read the registry before this app was ready
                entities.finalize(spec)
        registry["read_grants"].add("pool", pool_read_q)
        registry["write_hooks"].add("pool", pool_write_hook)
        registry["write_hooks"].add("capacity", capacity_write_hook)
        register_page("public-pool", Page("sales", _("Public pool"), "/pool/", order=20))
        register_page("daily-targets", Page("sales", _("Daily targets"), "/pool/targets/", _manages_people, order=21))
        registry["home_panels"].add("daily-targets", kpi_panel)
        register_page("pool-rules", Page("settings", _("Customer pool rules"), "/settings/pool/", _administrators, order=40))


def _manages_people(user) -> bool:
    from rapport.core.permissions.privileges import security_for

    security = security_for(user)
    return bool(security.managed_units() or security.subordinates())


def _administrators(user) -> bool:
    from rapport.core.permissions.privileges import has_misc_privilege

    return has_misc_privilege(user, "customize")
