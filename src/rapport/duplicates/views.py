"""Pages: the HC360 "check before entry" and the duplicate detection jobs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied
from rapport.core.jobs.queue import enqueue_on_commit
from rapport.core.permissions.filter import can_create
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.query import QueryError
from rapport.core.views.common import refusal_page
from rapport.duplicates.api import parse_check
from rapport.duplicates.detect import ENTRY_FIELDS, entry_check
from rapport.duplicates.models import DuplicateJob
from rapport.duplicates.tasks import duplicate_job_task

POOL_LABELS = {
    "mine": gettext_lazy("Mine"),
    "other_user": gettext_lazy("Another salesperson"),
    "public_pool": gettext_lazy("Public pool"),
    "other_pool": gettext_lazy("Another pool"),
}
RULE_LABELS = {
    "company_name": gettext_lazy("Similar company name"),
    "keyword": gettext_lazy("Name contains the keyword"),
    "phone": gettext_lazy("Same phone"),
    "fax": gettext_lazy("Same fax"),
    "email": gettext_lazy("Same e-mail"),
}
ENTITY_CHOICES = [("accounts,leads", gettext_lazy("Accounts and leads")), ("accounts", gettext_lazy("Accounts")),
                  ("leads", gettext_lazy("Leads")), ("contacts", gettext_lazy("Contacts"))]


@login_required
def check_page(request):
    """Search by company keyword, phone, fax and e-mail across all pools before entering a customer."""
    params = request.GET
    asked = any((params.get(k) or "").strip() for k in ("name", "phone", "fax", "email"))
    context = {"values": {k: params.get(k, "") for k in ("name", "phone", "fax", "email")},
               "entity": params.get("entity") or "accounts,leads", "entity_choices": ENTITY_CHOICES,
               "asked": asked, "matches": [], "error": ""}
    if asked:
        try:
            sets, values = parse_check({k: v for k, v in params.items() if k in ("entity", "name", "phone", "fax", "email")})
        except QueryError as error:
            context["error"] = str(error)
        else:
            matches = entry_check(request.user, sets, **values)
            for match in matches:
                spec = get_entity(match["entity"])
                match["entity_label"] = spec.label
                match["pool_label"] = POOL_LABELS.get(match["pool"], match["pool"])
                match["rule_label"] = RULE_LABELS.get(match["rule"], match["rule"])
            context["matches"] = matches
            creatable = []
            for set_name in sets:
                spec = get_entity(set_name)
                if set_name in ("accounts", "leads") and can_create(request.user, spec):
                    field = ENTRY_FIELDS[set_name]["name"][0]
                    prefill = {field: values["name"], "phone": values["phone"], "fax": values["fax"],
                               "email": values["email"]}
                    creatable.append((spec.label, f"/{set_name}/new/?" + urlencode({k: v for k, v in prefill.items() if v})))
            context["creatable"] = creatable
    return render(request, "duplicates/check.html", context)


def _may_review(user) -> bool:
    return has_misc_privilege(user, "merge")


@login_required
@require_http_methods(["GET", "POST"])
def jobs_page(request):
    if not _may_review(request.user):
        return refusal_page(request, PermissionDenied(), 403)
    if request.method == "POST":
        entity = request.POST.get("entity", "")
        if entity not in ENTRY_FIELDS:
            messages.error(request, _("Choose accounts, contacts or leads."))
            return redirect("/duplicates/jobs/")
        job = DuplicateJob.objects.create(entity=entity, user=request.user)
        enqueue_on_commit(duplicate_job_task, str(job.pk))
        messages.success(request, _("The duplicate detection job was queued; the worker runs it."))
        return redirect(f"/duplicates/jobs/{job.pk}/")
    jobs = DuplicateJob.objects.filter(user=request.user)[:50]
    choices = [(s, get_entity(s).label_plural) for s in ENTRY_FIELDS]
    return render(request, "duplicates/jobs.html", {"jobs": jobs, "choices": choices})


@login_required
def job_page(request, pk):
    job = DuplicateJob.objects.filter(pk=pk, user=request.user).first()
    if job is None or not _may_review(request.user):
        return refusal_page(request, NotFound(), 404)
    spec = get_entity(job.entity)
    ids = [i for s in job.sets for i in s["ids"]]
    readable = {str(r.pk): r for r in spec.model.objects.for_user(request.user, "read").filter(pk__in=ids)}
    sets = []
    for item in job.sets:
        members = [readable[i] for i in item["ids"] if i in readable]
        if len(members) > 1:
            merge_url = f"/{job.entity}/merge/?ids={members[0].pk},{members[1].pk}" if len(members) == 2 else ""
            sets.append({"rule": item["rule"], "members": members, "hidden": len(item["ids"]) - len(members),
                         "merge_url": merge_url})
    return render(request, "duplicates/job.html", {"job": job, "spec": spec, "sets": sets})
