"""Pool pages: the public pool list with Claim (one or many), and the pool rules under Settings.

Thin adapters: rows come from the record filter (``for_user``), every claim goes through the claim
action (``run_action``), the rules through ``set_pool_rule``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.core.actions.base import run_action
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied, RapportError
from rapport.core.permissions.access import as_uuid
from rapport.core.permissions.privileges import ORGANIZATION, has_misc_privilege, security_for
from rapport.core.views.common import refusal_page, safe_next, ui_context
from rapport.core.views.display import format_datetime
from rapport.pool import rules
from rapport.pool.actions import delete_pool_rule, set_pool_rule

PAGE_SIZE = 100
MAX_CLAIM = 200


def _choice(value, allowed, default):
    return value if value in allowed else default


def sees_agent_pool(user, set_name: str) -> bool:
    """Whether the agent administrator's pool is worth a tab for ``user``."""
    if getattr(user, "is_system_administrator", False) or rules.is_agent_administrator(user):
        return True
    return security_for(user).depth(set_name, "read") >= ORGANIZATION


@login_required
def pool_list(request):
    """Sales → Public pool: the pooled accounts or leads the user reads, newest first, with Claim."""
    user = request.user
    set_name = _choice(request.GET.get("set"), rules.POOL_SETS, "accounts")
    spec = get_entity(set_name)
    agent_tab = sees_agent_pool(user, set_name)
    pool = _choice(request.GET.get("pool"), rules.POOLS if agent_tab else (rules.PUBLIC,), rules.PUBLIC)
    q = (request.GET.get("q") or "").strip()[:100]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    records = (spec.model.objects.for_user(user, "read")
               .filter(pool=pool, owner_user__isnull=True, owner_team__isnull=True)
               .select_related("owning_business_unit").order_by("-pooled_on", "-id"))
    if q:
        from rapport.core.search import quick_find_q

        records = records.filter(quick_find_q(spec, user, q))
    window = list(records[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    rows = [{"record": record, "name": str(record), "url": f"/{set_name}/{record.pk}/",
             "business_unit": str(record.owning_business_unit or ""),
             "pooled_on": format_datetime(record.pooled_on) if record.pooled_on else "",
             "refusal": rules.can_claim(spec, record, user)} for record in window[:PAGE_SIZE]]

    def link(**changes):
        params = {"set": set_name, "pool": pool, **({"q": q} if q else {}), **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    context = {
        "spec": spec, "set_name": set_name, "pool": pool, "q": q, "rows": rows,
        "tabs": [{"label": get_entity(name).label_plural, "url": f"?set={name}&pool={pool}", "current": name == set_name}
                 for name in rules.POOL_SETS],
        "pools": [{"code": code, "label": label, "url": link(pool=code, page=None), "current": code == pool}
                  for code, label in ((rules.PUBLIC, _("Public pool")), (rules.AGENT, _("Agent administrator's pool")))
                  if code == rules.PUBLIC or agent_tab],
        "held": rules.held_by(user), "capacity": rules.capacity_of(user),
        "previous_url": link(page=page - 1) if page > 1 else None,
        "next_url": link(page=page + 1) if len(window) > PAGE_SIZE else None,
        "here": request.get_full_path(),
    }
    return render(request, "pool/pool.html", context)


@login_required
@require_POST
def pool_claim(request):
    """Claim the selected pool records, each through the claim action in its own transaction."""
    set_name = _choice(request.POST.get("set"), rules.POOL_SETS, None)
    back = safe_next(request.POST.get("next"), "/pool/")
    if set_name is None:
        return refusal_page(request, None, 404)
    spec = get_entity(set_name)
    ids = []
    # A row's own Claim button claims that record only, whatever else is ticked.
    for value in [request.GET["one"]] if request.GET.get("one") else request.POST.getlist("ids"):
        pk = as_uuid(value)
        if pk is not None and pk not in ids:
            ids.append(pk)
    ids = ids[:MAX_CLAIM]
    if not ids:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    readable = {row.pk: str(row) for row in spec.model.objects.for_user(request.user, "read").filter(pk__in=ids)}
    ctx = ui_context(request)
    succeeded, failed = [], []
    for pk in ids:
        name = readable.get(pk, str(pk))
        try:
            run_action(set_name, pk, "claim", ctx, {})
        except RapportError as error:
            reason = _("The record does not exist or you may not see it.") if isinstance(error, NotFound) else error.detail
            failed.append({"name": name, "reason": reason, "url": None})
        else:
            succeeded.append({"name": name, "url": f"/{set_name}/{pk}/"})
    if len(ids) == 1:
        if succeeded:
            messages.success(request, _("\"%(name)s\" is yours now.") % {"name": succeeded[0]["name"]})
        else:
            messages.error(request, failed[0]["reason"])
        return redirect(back)
    label = _("Claim")
    summary = ngettext("%(action)s: %(done)d of %(total)d record succeeded.",
                       "%(action)s: %(done)d of %(total)d records succeeded.", len(ids)) % {
        "action": label, "done": len(succeeded), "total": len(ids)}
    return render(request, "core/bulk_result.html", {"spec": spec, "label": label, "summary": summary,
                                                     "succeeded": succeeded, "failed": failed, "next": back})


@login_required
def pool_settings(request):
    """Settings → Customer pool rules: the organisation's capacity and return period, and per-unit overrides."""
    from rapport.pool.models import PoolRule
    from rapport.security.models import BusinessUnit

    user = request.user
    if not has_misc_privilege(user, "customize"):
        return refusal_page(request, PermissionDenied(_("Only an administrator changes the pool rules.")), 403)
    errors: dict = {}
    submitted: dict = {}
    if request.method == "POST":
        ctx = ui_context(request)
        try:
            if request.POST.get("delete"):
                delete_pool_rule(ctx, as_uuid(request.POST.get("delete")))
                messages.success(request, _("The override was removed."))
                return redirect("/settings/pool/")
            unit = None
            if request.POST.get("business_unit"):
                unit = BusinessUnit.objects.filter(pk=as_uuid(request.POST.get("business_unit"))).first()
                if unit is None:
                    raise NotFound()
            set_pool_rule(ctx, business_unit=unit, capacity=request.POST.get("capacity"),
                          return_after_days=request.POST.get("return_after_days"),
                          daily_new_customers=request.POST.get("daily_new_customers"),
                          daily_effective_contacts=request.POST.get("daily_effective_contacts"))
        except NotFound:
            errors = {"business_unit": [_("Choose a business unit.")]}
        except RapportError as error:
            errors = error.errors or {"capacity": [error.detail]}
        else:
            messages.success(request, _("The pool rules were saved."))
            return redirect("/settings/pool/")
        submitted = {"scope": request.POST.get("business_unit") or "organisation",
                     "capacity": request.POST.get("capacity", ""),
                     "return_after_days": request.POST.get("return_after_days", "")}
    organisation = rules.rule_for_unit(None)
    overrides = list(PoolRule.objects.filter(business_unit__isnull=False).select_related("business_unit")
                     .order_by("business_unit__name"))
    context = {
        "organisation": organisation, "overrides": overrides, "errors": errors, "submitted": submitted,
        "units": list(BusinessUnit.objects.filter(is_active=True).order_by("name").values_list("id", "name")),
    }
    return render(request, "pool/settings.html", context, status=400 if errors else 200)


def kpi_panel(request) -> str:
    """The home page's personal KPI panel: today's figures against the daily targets."""
    from django.template.loader import render_to_string

    from rapport.pool.kpi import daily_figures

    user = request.user
    if not user.is_authenticated:
        return ""
    figures = daily_figures([user])[user.pk]
    return render_to_string("pool/_kpi_panel.html", {"f": figures, "held": rules.held_by(user),
                                                     "capacity": rules.capacity_of(user)}, request=request)


@login_required
def targets_report(request):
    """Sales → Daily targets: the manager's people, today's figures against their targets."""
    from rapport.pool.kpi import daily_figures, team_of

    people = team_of(request.user)
    figures = daily_figures(people) if people else {}
    rows = [{"user": person, **figures[person.pk]} for person in people]
    for row in rows:
        row["met"] = row["new_customers"] >= row["new_target"] and row["effective_contacts"] >= row["contacts_target"]
    return render(request, "pool/targets.html", {"rows": rows})
