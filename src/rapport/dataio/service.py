"""Starting imports: checks shared by the API, the wizard and the CLI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied, RecordValidationError
from rapport.core.permissions.filter import can_create
from rapport.core.permissions.privileges import has_misc_privilege, privilege_depth
from rapport.dataio import engine, files
from rapport.dataio.models import DuplicateHandling, Import, ImportState


def check_may_import(user, set_name: str):
    """The entity's spec, when ``user`` may import into it (404 unknown set, 403 no privilege)."""
    spec = get_entity(set_name or "")
    if spec is None:
        raise RecordValidationError.single("entity", _("Unknown entity set \"%(set)s\".") % {"set": str(set_name)[:60]},
                                           "invalid")
    if not has_misc_privilege(user, "import"):
        raise PermissionDenied(_("You do not have the privilege to import data."))
    if not spec.creatable or not can_create(user, spec):
        raise PermissionDenied(_("You may not create %(entity)s.") % {"entity": str(spec.label_plural).lower()})
    return spec


def parse_json_object(raw, name: str) -> dict:
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise RecordValidationError.single(name, _("Send a JSON object."), "invalid")
    return value


def parse_bool(raw, name: str) -> bool:
    if raw in (None, "", False):
        return False
    if raw is True:
        return True
    text = str(raw).strip().lower()
    if text in {"true", "1", "on", "yes"}:
        return True
    if text in {"false", "0", "off", "no"}:
        return False
    raise RecordValidationError.single(name, _("Enter true or false."), "invalid")


def store_upload(source, original_name: str) -> tuple[str, int]:
    """Copy an uploaded file (a Django UploadedFile or a path) into the private import folder."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    stored = f"{uuid.uuid4().hex}.upload"
    target = engine.import_dir() / stored
    size = 0
    try:
        with open(target, "wb") as out:
            if isinstance(source, str | Path):
                with open(source, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        size += len(chunk)
                        if size > limit:
                            break
                        out.write(chunk)
            else:
                for chunk in source.chunks():
                    size += len(chunk)
                    if size > limit:
                        break
                    out.write(chunk)
    except OSError:
        target.unlink(missing_ok=True)
        raise RecordValidationError.single("file", _("The file could not be read."), "invalid")
    if size > limit:
        target.unlink(missing_ok=True)
        raise RecordValidationError.single("file", _("The file is larger than %(limit)d MB.") % {"limit": settings.MAX_UPLOAD_MB},
                                           "too-large")
    if size == 0:
        target.unlink(missing_ok=True)
        raise RecordValidationError.single("file", _("The file is empty."), "required")
    return stored, size


def prepare_import(user, set_name: str, source, original_name: str, *, channel: str = "import") -> Import:
    """Store the file, tell its type and read its header; a draft import the wizard then maps."""
    spec = check_may_import(user, set_name)
    if source is None:
        raise RecordValidationError.single("file", _("Choose a CSV or Excel file."), "required")
    stored, size = store_upload(source, original_name)
    path = engine.import_dir() / stored
    try:
        info = files.inspect(path)
        headers = next(files.iter_rows(path, info), None)
        if headers is None:
            raise files.FileProblem(_("The file is empty."))
        headers = [h.strip() for h in headers]
        problem = files.header_problem(headers)
        if problem:
            raise files.FileProblem(problem)
        if len(set(h for h in headers if h)) != len([h for h in headers if h]):
            raise files.FileProblem(_("Two columns have the same name; give every column its own name."))
    except files.FileProblem as problem:
        path.unlink(missing_ok=True)
        raise RecordValidationError.single("file", str(problem), "invalid")
    job = Import.objects.create(
        entity=spec.set_name, user=user, channel=channel, original_name=str(original_name or "upload")[:255],
        stored_name=stored, file_type=info.file_type, file_size=size, encoding=info.encoding, delimiter=info.delimiter,
        headers=headers, mapping=engine.auto_map(spec, user, headers), state=ImportState.DRAFT,
        created_on=timezone.now(),
    )
    return job


def configure(job: Import, *, mapping=None, value_mapping=None, duplicates=None, dry_run=None, owner=None) -> Import:
    """Check and set the mapping and options (400 naming the fault)."""
    spec = get_entity(job.entity)
    allowed = {fs.name for fs in engine.importable_fields(spec, job.user)}
    if mapping is not None:
        clean = {}
        for header, name in mapping.items():
            if name in (None, ""):
                continue
            if header not in job.headers:
                raise RecordValidationError.single("mapping", _("The file has no column \"%(column)s\".") % {"column": str(header)[:80]},
                                                   "unknown-field")
            if not isinstance(name, str) or name not in allowed:
                raise RecordValidationError.single("mapping", _("\"%(field)s\" is not a field that can be imported.") % {"field": str(name)[:80]},
                                                   "unknown-field")
            clean[header] = name
        if len(set(clean.values())) != len(clean):
            raise RecordValidationError.single("mapping", _("Two columns are mapped to the same field."), "invalid")
        job.mapping = clean
    if value_mapping is not None:
        job.value_mapping = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in value_mapping.items()
                             if isinstance(v, dict)}
    if duplicates is not None:
        if duplicates not in DuplicateHandling.values:
            raise RecordValidationError.single("duplicates", _("Choose skip, flag or create."), "invalid-choice")
        job.duplicates = duplicates
    if dry_run is not None:
        job.dry_run = dry_run
    if owner is not None:
        set_name, pk = owner
        if pk is None:
            job.owner_set, job.owner_id = "", None
        else:
            if pk != job.user.pk and privilege_depth(job.user, job.entity, "assign") == "none":
                raise PermissionDenied(_("You may not assign records to someone else."))
            job.owner_set, job.owner_id = set_name, pk
    if not job.mapping:
        raise RecordValidationError.single("mapping", _("Map at least one column to a field."), "required")
    missing = [fs for fs in engine.importable_fields(spec, job.user) if fs.required and fs.name not in job.mapping.values()]
    if missing:
        names = ", ".join(str(fs.label) for fs in missing)
        raise RecordValidationError.single("mapping", _("Map a column to every required field: %(fields)s.") % {"fields": names},
                                           "required")
    job.save()
    return job


def resolve_owner_input(raw, user):
    """An owner given as a user/team id, username or team name → (set, pk)."""
    if raw in (None, ""):
        return None
    from rapport.security.models import Team, User

    try:
        pk = uuid.UUID(str(raw))
    except ValueError:
        pk = None
    if pk is not None:
        if User.objects.filter(pk=pk, is_active=True).exists():
            return "users", pk
        if Team.objects.filter(pk=pk).exists():
            return "teams", pk
    else:
        found = User.objects.filter(username=str(raw), is_active=True).first()
        if found:
            return "users", found.pk
        team = Team.objects.filter(name=str(raw)).first()
        if team:
            return "teams", team.pk
    raise RecordValidationError.single("owner", _("No active user or team \"%(owner)s\".") % {"owner": str(raw)[:80]},
                                       "does-not-exist")


def _enqueue(pk) -> None:
    from rapport.dataio.tasks import run_import_job

    result = run_import_job.enqueue(str(pk))
    Import.objects.filter(pk=pk).update(task_id=str(result.id)[:64])


def start(job: Import, *, run_now: bool = False) -> Import:
    """Queue the job once the current transaction commits (or, for the CLI, run it here and now)."""
    if job.state not in {ImportState.DRAFT, ImportState.QUEUED}:
        return job
    Import.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    job.state = ImportState.QUEUED
    if run_now:
        return engine.run_import(job.pk)
    pk = job.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return job


def worker_lost(job: Import) -> bool:
    """The job's task failed outside the import (its worker was killed on its last attempt)."""
    if job.state not in {ImportState.QUEUED, ImportState.RUNNING} or not job.task_id:
        return False
    from rapport.dataio.tasks import run_import_job

    try:
        result = run_import_job.get_result(job.task_id)
    except Exception:  # the result was pruned or the backend cannot tell
        return False
    return str(getattr(result.status, "value", result.status)).upper() == "FAILED"


def resume(job: Import) -> Import:
    """Queue a job whose worker was lost again; it continues after the last committed row."""
    if not worker_lost(job):
        return job
    Import.objects.filter(pk=job.pk).update(state=ImportState.QUEUED, task_id="")
    job.state = ImportState.QUEUED
    pk = job.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return job


def discard(job: Import) -> None:
    (engine.import_dir() / job.stored_name).unlink(missing_ok=True)


def get_import(user, pk) -> Import:
    job = engine.visible_imports(user).filter(pk=pk).select_related("user").first()
    if job is None:
        raise NotFound()
    return job
