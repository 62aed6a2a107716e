"""The import wizard (upload → columns → option values → options → progress → result), export and print pages."""

from __future__ import annotations

import itertools

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.core.entities import all_entities, get_entity
from rapport.core.errors import NotFound, PermissionDenied, RapportError
from rapport.core.permissions.filter import can_create
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.query import QueryError
from rapport.core.views.common import entity_page, refusal_page
from rapport.core.views.display import field_label, show
from rapport.core.views.list import list_columns
from rapport.core.views.widgets import principal_groups
from rapport.dataio import api, engine, export, files, service
from rapport.dataio.models import DuplicateHandling, ImportIssue, ImportState

SAMPLE_ROWS = 3
DISTINCT_VALUES = 50
SCAN_ROWS = 20_000
PRINT_LIMIT = 2000


def _messages(error: RapportError) -> list[str]:
    found = [m for items in (error.errors or {}).values() for m in items]
    return found or [error.detail]


def _import_page(view):
    """Signed in; the import is the user's own (else 404); refusals as pages."""

    @login_required
    def wrapper(request, pk=None, *args, **kwargs):
        try:
            job = service.get_import(request.user, pk) if pk is not None else None
            return view(request, job, *args, **kwargs) if pk is not None else view(request, *args, **kwargs)
        except NotFound as error:
            return refusal_page(request, error, 404)
        except PermissionDenied as error:
            return refusal_page(request, error, 403)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def importable_entities(user) -> list:
    return sorted([s for s in all_entities() if s.area and s.area != "related" and s.creatable and can_create(user, s)],
                  key=lambda s: str(s.label_plural))


@_import_page
def import_list(request):
    if not has_misc_privilege(request.user, "import"):
        raise PermissionDenied(_("You do not have the privilege to import data."))
    jobs = engine.visible_imports(request.user).filter(user=request.user).order_by("-created_on")[:50]
    return render(request, "dataio/import_list.html", {"jobs": jobs})


@_import_page
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: choose the entity and the file."""
    if not has_misc_privilege(request.user, "import"):
        raise PermissionDenied(_("You do not have the privilege to import data."))
    entities = importable_entities(request.user)
    chosen = request.POST.get("entity") or request.GET.get("entity") or ""
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            job = service.prepare_import(request.user, chosen, upload, getattr(upload, "name", ""), channel="import")
        except RapportError as error:
            errors = _messages(error)
        else:
            return redirect(f"/imports/{job.pk}/mapping/")
    return render(request, "dataio/import_upload.html", {
        "entities": entities, "chosen": chosen, "errors": errors, "step": 1, "max_mb": service.settings.MAX_UPLOAD_MB,
    }, status=400 if errors else 200)


def _sample(job, count: int = SAMPLE_ROWS) -> list[list[str]]:
    info = files.FileInfo(job.file_type, job.encoding, job.delimiter)
    try:
        rows = files.iter_rows(engine.file_path(job), info)
        next(rows, None)
        return [r for r in itertools.islice((r for r in rows if any(c.strip() for c in r)), count)]
    except (files.FileProblem, OSError):
        return []


def _draft_or_result(job):
    if job.state != ImportState.DRAFT:
        return redirect(f"/imports/{job.pk}/")
    return None


@_import_page
@require_http_methods(["GET", "POST"])
def import_mapping(request, job):
    """Step 2: which column goes into which field (auto-mapped by name or label in any language)."""
    if (done := _draft_or_result(job)) is not None:
        return done
    spec = get_entity(job.entity)
    fields = engine.importable_fields(spec, request.user)
    errors = []
    mapping = dict(job.mapping or {})
    if request.method == "POST":
        mapping = {header: request.POST.get(f"col-{index}", "") for index, header in enumerate(job.headers)}
        try:
            service.configure(job, mapping=mapping)
        except RapportError as error:
            errors = _messages(error)
        else:
            return redirect(f"/imports/{job.pk}/values/")
    sample = _sample(job)
    columns = []
    for index, header in enumerate(job.headers):
        values = [row[index] if index < len(row) else "" for row in sample]
        columns.append({"index": index, "header": header, "samples": [v[:60] for v in values], "field": mapping.get(header, "")})
    return render(request, "dataio/import_mapping.html", {
        "job": job, "spec": spec, "columns": columns, "step": 2, "errors": errors,
        "fields": [(fs.name, field_label(fs), fs.required) for fs in fields],
    }, status=400 if errors else 200)


def unmatched_values(job) -> list[dict]:
    """For each mapped choice (or yes/no) column, the file's values that match no option."""
    spec = get_entity(job.entity)
    plan = engine.plan_for(job, job.headers)
    watched = [(index, fs) for index, fs in plan.columns if fs.type in {"choice", "boolean"}]
    if not watched:
        return []
    found: dict[str, dict] = {fs.name: {} for _i, fs in watched}
    info = files.FileInfo(job.file_type, job.encoding, job.delimiter)
    rows = files.iter_rows(engine.file_path(job), info)
    next(rows, None)
    for row in itertools.islice(rows, SCAN_ROWS):
        for index, fs in watched:
            raw = row[index].strip() if index < len(row) else ""
            if not raw or raw in found[fs.name] or len(found[fs.name]) >= DISTINCT_VALUES:
                continue
            converted = plan.convert(fs, raw)
            ok = converted in fs.choice_codes if fs.type == "choice" else isinstance(converted, bool)
            if not ok:
                found[fs.name][raw] = True
    result = []
    for _index, fs in watched:
        if not found[fs.name]:
            continue
        options = [(c, str(label)) for c, label in fs.choices or []] if fs.type == "choice" else [("true", _("Yes")), ("false", _("No"))]
        current = (job.value_mapping or {}).get(fs.name, {})
        result.append({"field": fs.name, "label": field_label(fs), "options": options,
                       "values": [{"raw": raw, "index": n, "chosen": current.get(raw, "")} for n, raw in enumerate(found[fs.name])]})
    del spec
    return result


@_import_page
@require_http_methods(["GET", "POST"])
def import_values(request, job):
    """Step 3: the file's option values that match no option (by code or label in any language)."""
    if (done := _draft_or_result(job)) is not None:
        return done
    groups = unmatched_values(job)
    if request.method == "POST":
        value_mapping = {}
        for group in groups:
            chosen = {v["raw"]: request.POST.get(f"v-{group['field']}-{v['index']}", "") for v in group["values"]}
            value_mapping[group["field"]] = {raw: code for raw, code in chosen.items() if code}
        job.value_mapping = value_mapping
        job.save(update_fields=["value_mapping"])
        return redirect(f"/imports/{job.pk}/options/")
    return render(request, "dataio/import_values.html", {"job": job, "groups": groups, "step": 3})


@_import_page
@require_http_methods(["GET", "POST"])
def import_options(request, job):
    """Step 4: owner, duplicates, dry run; then start the job."""
    if (done := _draft_or_result(job)) is not None:
        return done
    errors = []
    if request.method == "POST":
        try:
            owner = service.resolve_owner_input(request.POST.get("owner"), request.user)
            service.configure(job, duplicates=request.POST.get("duplicates", "skip"),
                              dry_run=request.POST.get("dry_run") == "on", owner=owner or ("users", request.user.pk))
        except RapportError as error:
            errors = _messages(error)
        else:
            service.start(job)
            return redirect(f"/imports/{job.pk}/")
    spec = get_entity(job.entity)
    return render(request, "dataio/import_options.html", {
        "job": job, "spec": spec, "step": 4, "errors": errors, "groups": principal_groups() if spec.is_owned else [],
        "duplicate_choices": DuplicateHandling.choices, "me": request.user,
    }, status=400 if errors else 200)


def _detail_context(job) -> dict:
    issues = list(ImportIssue.objects.filter(import_job=job).order_by("row", "id")[:200])
    columns = {field: header for header, field in (job.mapping or {}).items()}
    for issue in issues:
        issue.column = columns.get(issue.field, "")
    done_rows = job.rows_imported + job.rows_failed + job.rows_skipped
    percent = 100 if job.state == ImportState.FINISHED else (min(99, int(100 * done_rows / job.rows_total)) if job.rows_total else 0)
    lost = service.worker_lost(job)
    return {"job": job, "spec": get_entity(job.entity), "issues": issues, "percent": percent, "done_rows": done_rows,
            "lost": lost, "lost_message": api.lost_message() if lost else "",
            "more_issues": job.rows_failed + job.rows_skipped + job.rows_flagged > len(issues), "step": 5}


@_import_page
def import_detail(request, job):
    """Step 5: progress (polled with htmx) and the result with the per-row report."""
    if job.state == ImportState.DRAFT:
        return redirect(f"/imports/{job.pk}/mapping/")
    return render(request, "dataio/import_detail.html", _detail_context(job))


@_import_page
@require_http_methods(["POST"])
def import_resume(request, job):
    """Queue again an import whose worker was lost (it continues after the last saved row)."""
    service.resume(job)
    return redirect(f"/imports/{job.pk}/")


@_import_page
def import_progress(request, job):
    return render(request, "dataio/_import_progress.html", _detail_context(job))


@_import_page
def import_errors_csv(request, job):
    return api.errors_csv_response(job)


@entity_page
def export_file(request, spec):
    """The list's rows (its view, filter, sort and visible columns) as .xlsx or CSV."""
    if not has_misc_privilege(request.user, "export"):
        raise PermissionDenied(_("You do not have the privilege to export data."))
    try:
        return api.export_response(spec, request.user, request.GET)
    except QueryError as problem:
        return render(request, "core/refusal.html", {"title": _("Export"), "message": problem.detail}, status=400)


@entity_page
def print_view(request, spec):
    """A clean printable table of the list (its view, filter, sort and columns)."""
    params = {key: request.GET.get(key) for key in request.GET}
    for key in ("cursor", "page_size", "count", "format"):
        params.pop(key, None)
    from rapport.core.listing import parse_list_params

    try:
        query = parse_list_params(spec, request.user, params)
    except QueryError as problem:
        return render(request, "core/refusal.html", {"title": _("Print"), "message": problem.detail}, status=400)
    columns = list_columns(spec, request.user, query, params)
    query.page_size = min(export.CHUNK, PRINT_LIMIT + 1)
    records = []
    from rapport.core.listing import fetch_page
    from rapport.core.serialization import select_related_for

    joins = select_related_for(spec, [c.name for c in columns])
    while len(records) <= PRINT_LIMIT:
        page = fetch_page(query, select_related=joins)
        records.extend(page.rows)
        if not page.next_cursor:
            break
        query.cursor = page.next_cursor
    truncated = len(records) > PRINT_LIMIT
    records = records[:PRINT_LIMIT]
    rows = [[show(spec, fs, record).text for fs in columns] for record in records]
    title = query.view.name if query.view else str(spec.label_plural)
    return render(request, "dataio/print.html", {
        "spec": spec, "title": title, "headers": [field_label(fs) for fs in columns], "rows": rows,
        "truncated": truncated, "limit": PRINT_LIMIT, "count": len(rows),
    })
