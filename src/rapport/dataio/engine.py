"""The import engine (PLT-13): mapping, value conversion, batches, resume, the per-row report.

Every row is written by the generic ``create`` action (validation, privileges, audit, search
index and duplicate hooks), in a savepoint of its own, so a bad row never stops the good ones.
Rows are committed in batches (one transaction each) together with the job's progress, so a job
that is killed resumes after the last committed row: nothing is lost or imported twice. Inside a
batch, the rows that every create adds beside its record (audit entries, outbox events, search
entries, duplicate match keys) are deferred and inserted together before the batch commits; the
duplicate check reads each match key once a batch and sees the keys of the batch's own rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext, deferred_writes
from rapport.core.actions.crud import create_record
from rapport.core.entities import EntitySpec, FieldSpec, get_entity
from rapport.core.errors import DuplicateDetected, RapportError, RecordValidationError
from rapport.core.permissions.fields import field_updatable
from rapport.core.permissions.privileges import privilege_depth
from rapport.dataio import files
from rapport.dataio.models import DuplicateHandling, Import, ImportIssue, ImportRowKey, ImportState

try:
    from rapport.duplicates.detect import find_duplicates, refusal
except ImportError:  # duplicate detection lands with its own change; until then the write hook alone
    find_duplicates = refusal = None

logger = logging.getLogger("rapport.dataio")

BATCH_SIZE = int(os.environ.get("RAPPORT_IMPORT_BATCH_SIZE", "500"))
# Types that a cell can be converted to; ``regarding`` and JSON values are not imported from cells.
IMPORTABLE_TYPES = {"text", "textarea", "email", "phone", "url", "integer", "decimal", "money", "date", "datetime",
                    "boolean", "choice", "lookup", "polylookup"}
# Lookups are found by their target's name or one of these alternate keys (and by id).
ALTERNATE_KEYS = {
    "accounts": ["account_number", "email"],
    "contacts": ["email", "full_name"],
    "leads": ["email", "full_name"],
    "users": ["username", "full_name", "email"],
    "teams": ["name"],
    "business-units": ["name"],
}
_NORMALIZE = re.compile(r"[\s_\-.:*()（）：]+")
LOOKUP_CACHE_SIZE = 20_000


def normalize(text) -> str:
    return _NORMALIZE.sub("", str(text)).casefold()


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "private" / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(job: Import) -> Path:
    return import_dir() / job.stored_name


# --- mapping -----------------------------------------------------------------------------------


def importable_fields(spec: EntitySpec, user) -> list[FieldSpec]:
    fields = [spec.field_map[name] for name in spec.writable_fields
              if spec.field_map[name].type in IMPORTABLE_TYPES and field_updatable(user, spec, name)]
    if spec.is_owned:
        fields.append(spec.field_map["owner"])
    return fields


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def field_names_in_all_languages(fs: FieldSpec) -> set[str]:
    names = {normalize(fs.name), normalize(fs.name.replace("_", " "))}
    for language in _languages():
        with translation.override(language):
            names.add(normalize(fs.label))
    names.discard("")
    return names


def auto_map(spec: EntitySpec, user, headers: list[str]) -> dict[str, str]:
    """Column header → field name, by the field's name or its label in any UI language."""
    candidates: dict[str, str] = {}
    for fs in importable_fields(spec, user):
        for name in field_names_in_all_languages(fs):
            candidates.setdefault(name, fs.name)
    mapping, used = {}, set()
    for header in headers:
        target = candidates.get(normalize(header))
        if target and target not in used:
            mapping[header] = target
            used.add(target)
    return mapping


def choice_lookup(fs: FieldSpec) -> dict[str, str]:
    """Normalized code or label (any language) → code."""
    table = {}
    for code, label in fs.choices or []:
        table.setdefault(normalize(code), code)
        for language in _languages():
            with translation.override(language):
                table.setdefault(normalize(label), code)
    return table


def boolean_lookup() -> dict[str, bool]:
    table = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "y": True, "n": False,
             "on": True, "off": False, "x": True}
    for language in _languages():
        with translation.override(language):
            table.setdefault(normalize(_("Yes")), True)
            table.setdefault(normalize(_("No")), False)
    return table


# --- one row -----------------------------------------------------------------------------------


@dataclass
class RowIssue:
    row: int
    field: str
    message: str
    kind: str = "error"


@dataclass
class BatchOutcome:
    imported: int = 0
    failed: int = 0
    skipped: int = 0
    flagged: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    keys: list[tuple[int, int]] = field(default_factory=list)


class LookupError_(Exception):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


class ImportPlan:
    """What is decided once per job: columns → fields, converters, owner, caches."""

    def __init__(self, spec: EntitySpec, user, headers: list[str], mapping: dict, value_mapping: dict | None = None,
                 *, owner=None, duplicates: str = DuplicateHandling.SKIP, channel: str = "import"):
        self.spec = spec
        self.user = user
        self.headers = headers
        self.duplicates = duplicates
        self.channel = channel
        self.owner = owner
        allowed = {fs.name: fs for fs in importable_fields(spec, user)}
        self.columns: list[tuple[int, FieldSpec]] = []
        for index, header in enumerate(headers):
            name = mapping.get(header)
            if name and name in allowed:
                self.columns.append((index, allowed[name]))
        self.value_mapping = {f: {normalize(k): v for k, v in (m or {}).items()} for f, m in (value_mapping or {}).items()}
        self.choices = {fs.name: choice_lookup(fs) for _i, fs in self.columns if fs.type == "choice"}
        self.booleans = boolean_lookup()
        self._lookups: dict[tuple[str, str], object] = {}
        self.may_assign = privilege_depth(user, spec.set_name, "assign") != "none"
        self.request_id = uuid.uuid4().hex

    # lookups ----------------------------------------------------------------------------------
    def _resolve(self, set_name: str, raw: str):
        key = (set_name, raw.casefold())
        if key in self._lookups:
            return self._lookups[key]
        found = self._find(set_name, raw)
        if len(self._lookups) >= LOOKUP_CACHE_SIZE:
            self._lookups.clear()
        self._lookups[key] = found
        return found

    def _find(self, set_name: str, raw: str):
        """``(pk, None)``, ``(None, "missing")`` or ``(None, "ambiguous")``."""
        target = get_entity(set_name)
        if target is not None:
            queryset = target.model.objects.for_user(self.user, "read")
            names = [target.primary_field, *[k for k in ALTERNATE_KEYS.get(set_name, []) if k in target.field_map]]
        else:
            from rapport.security.models import BusinessUnit, Team, User

            model = {"users": User, "teams": Team, "business-units": BusinessUnit}.get(set_name)
            if model is None:
                return None, "missing"
            queryset = model.objects.all()
            if set_name == "users":
                queryset = queryset.filter(is_active=True)
            names = ALTERNATE_KEYS.get(set_name, ["name"])
        try:
            pk = uuid.UUID(raw)
        except ValueError:
            pk = None
        if pk is not None and queryset.filter(pk=pk).exists():
            return pk, None
        for name in names:
            column = target.field_map[name].column or name if target is not None else name
            hits = list(queryset.filter(**{f"{column}__iexact": raw}).values_list("pk", flat=True)[:2])
            if len(hits) == 1:
                return hits[0], None
            if len(hits) > 1:
                return None, "ambiguous"
        return None, "missing"

    def _lookup_value(self, fs: FieldSpec, raw: str, sets: list[str]):
        for set_name in sets:
            pk, problem = self._resolve(set_name, raw)
            if pk is not None:
                return set_name, pk
            if problem == "ambiguous":
                raise LookupError_(fs.name, _("More than one record is named \"%(value)s\"; use its number or id.")
                                   % {"value": raw[:80]})
        raise LookupError_(fs.name, _("No record named \"%(value)s\" was found (or you may not see it).")
                           % {"value": raw[:80]})

    # values -----------------------------------------------------------------------------------
    def convert(self, fs: FieldSpec, raw: str):
        mapped = self.value_mapping.get(fs.name, {}).get(normalize(raw))
        if mapped is not None:
            raw = str(mapped)
        if fs.type == "choice":
            return self.choices[fs.name].get(normalize(raw), raw)
        if fs.type == "boolean":
            value = self.booleans.get(normalize(raw))
            return raw if value is None else value
        if fs.type == "lookup":
            return str(self._lookup_value(fs, raw.strip(), [fs.target or ""])[1])
        if fs.type == "polylookup":
            return str(self._lookup_value(fs, raw.strip(), list((fs.targets or {}).keys()))[1])
        return raw

    def owner_from(self, raw: str):
        from rapport.security.models import Team, User

        fs = self.spec.field_map["owner"]
        set_name, pk = self._lookup_value(fs, raw.strip(), ["users", "teams"])
        return (User if set_name == "users" else Team).objects.get(pk=pk)

    # one row ----------------------------------------------------------------------------------
    def parse(self, row: int, cells: list[str]) -> tuple[dict | None, list[RowIssue]]:
        """The row's values by field (raw strings), or the reasons it cannot be read."""
        width = len(self.headers)
        if len(cells) != width and any(c.strip() for c in cells[width:]):
            if len(cells) > width:
                return None, [RowIssue(row, "", _("The row has %(found)d columns but the header has %(expected)d.")
                                       % {"found": len(cells), "expected": width})]
        if len(cells) == 1 and width > 1 and any(d in cells[0] for d in files.DELIMITERS):
            return None, [RowIssue(row, "", _("The row was read as one column: its values seem to be separated by "
                                               "another character than the rest of the file."))]
        cells = list(cells) + [""] * (width - len(cells))
        issues = []
        values = {}
        for index, fs in self.columns:
            text = cells[index]
            if files.has_bad_bytes(text):
                issues.append(RowIssue(row, fs.name, _("The cell is not valid UTF-8 text.")))
                continue
            if len(text) > files.MAX_CELL_CHARS:
                issues.append(RowIssue(row, fs.name, _("The cell is too long (%(length)d characters; at most %(limit)d).")
                                       % {"length": len(text), "limit": files.MAX_CELL_CHARS}))
                continue
            if text.strip() == "":
                continue
            values[fs.name] = text
        return (None if issues else values), issues

    def digest(self, values: dict) -> int:
        text = "\x1f".join(f"{k}\x1e{normalize(v)}" for k, v in sorted(values.items()))
        return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                              "big", signed=True)

    def write(self, row: int, values: dict, outcome: BatchOutcome) -> None:
        """Convert, check duplicates and create one record (in a savepoint of its own)."""
        spec = self.spec
        data, owner, issues = {}, self.owner, []
        for name, raw in values.items():
            fs = spec.field_map[name]
            try:
                if name == "owner":
                    owner = self.owner_from(raw)
                    continue
                data[name] = self.convert(fs, raw)
            except LookupError_ as problem:
                issues.append(RowIssue(row, problem.field, problem.message))
        if owner is not None and owner != self.user and not self.may_assign:
            issues.append(RowIssue(row, "owner", _("You may not assign records to someone else.")))
        if issues:
            outcome.failed += 1
            outcome.issues.extend(issues)
            return
        ctx = ActionContext(user=self.user, channel=self.channel, request_id=self.request_id)
        flags = []
        if find_duplicates is not None and self.duplicates in {DuplicateHandling.SKIP, DuplicateHandling.FLAG}:
            try:
                matches = find_duplicates(spec.set_name, data, exclude_id=None, user=self.user)
            except Exception:  # a value the rule cannot read: the create reports it
                logger.debug("duplicate check failed for row %s", row, exc_info=True)
                matches = []
            if matches and self.duplicates == DuplicateHandling.SKIP:
                outcome.skipped += 1
                outcome.issues.append(RowIssue(row, "", _("Skipped: it matches %(names)s.") % {
                    "names": _match_names(matches)}, "skipped"))
                return
            if any(m.mode == "block" for m in matches):
                outcome.failed += 1
                outcome.issues.append(RowIssue(row, "", refusal(matches, self.user).detail))
                return
            flags = matches
            # Checked here with the same rules: the write hook does not check the row again.
            ctx.suppress_duplicate_detection = ctx.duplicates_checked = True
        elif self.duplicates != DuplicateHandling.SKIP:
            ctx.suppress_duplicate_detection = True
        try:
            create_record(spec, data, ctx, owner=owner)
        except DuplicateDetected as error:
            if self.duplicates == DuplicateHandling.SKIP and not _blocked(error):
                outcome.skipped += 1
                outcome.issues.append(RowIssue(row, "", _("Skipped: %(reason)s") % {"reason": error.detail}, "skipped"))
            else:
                outcome.failed += 1
                outcome.issues.append(RowIssue(row, "", error.detail))
            return
        except RecordValidationError as error:
            outcome.failed += 1
            for name, messages in (error.errors or {}).items():
                for message in messages:
                    outcome.issues.append(RowIssue(row, "" if name == "non_field_errors" else name, message))
            return
        except RapportError as error:
            outcome.failed += 1
            field_name = next(iter(error.errors), "") if error.errors else ""
            outcome.issues.append(RowIssue(row, "" if field_name == "non_field_errors" else field_name, error.detail))
            return
        except Exception:
            logger.exception("import row %s failed", row)
            outcome.failed += 1
            outcome.issues.append(RowIssue(row, "", _("The row could not be saved (an unexpected error).")))
            return
        outcome.imported += 1
        if flags:
            outcome.flagged += 1
            outcome.issues.append(RowIssue(row, "", _("Imported; it may duplicate %(names)s.") % {
                "names": _match_names(flags)}, "flagged"))


def _match_names(matches) -> str:
    names = []
    for match in matches[:3]:
        names.append(f"“{getattr(match, 'name', '') or _('a record you may not see')}”")
    return ", ".join(names)


def _blocked(error: DuplicateDetected) -> bool:
    return any((d or {}).get("rule_mode") == "block" or (d or {}).get("mode") == "block"
               for d in error.extra.get("duplicates", []) if isinstance(d, dict))


# --- the job -----------------------------------------------------------------------------------


def resolve_owner(job: Import):
    if not job.owner_id:
        return None
    from rapport.security.models import Team, User

    model = User if job.owner_set == "users" else Team
    return model.objects.filter(pk=job.owner_id).first()


def plan_for(job: Import, headers: list[str]) -> ImportPlan:
    spec = get_entity(job.entity)
    plan = ImportPlan(spec, job.user, headers, job.mapping or {}, job.value_mapping or {}, owner=resolve_owner(job),
                      duplicates=job.duplicates, channel=job.channel or "import")
    plan.request_id = job.pk.hex
    return plan


def _commit_batch(job: Import, plan: ImportPlan, batch: list[tuple[int, dict | None, list[RowIssue]]]) -> bool:
    """Write one batch and the job's progress in one transaction; False when the job was stopped."""
    with transaction.atomic():
        locked = Import.objects.select_for_update().get(pk=job.pk)
        if locked.state == ImportState.CANCELLED:
            return False
        batch = [item for item in batch if item[0] > locked.rows_processed]
        if not batch:
            return True
        outcome = BatchOutcome()
        digests = {}
        for row, values, _issues in batch:
            if values is not None:
                digests.setdefault(plan.digest(values), row)
        seen = dict(ImportRowKey.objects.filter(import_job_id=job.pk, digest__in=list(digests))
                    .values_list("digest", "row"))
        with transaction.atomic(), deferred_writes() as deferred:
            for row, values, issues in batch:
                if values is None:
                    outcome.failed += 1
                    outcome.issues.extend(issues)
                    continue
                if not values:
                    continue
                key = plan.digest(values)
                first = seen.get(key)
                if first is not None and first != row:
                    outcome.skipped += 1
                    outcome.issues.append(RowIssue(row, "", _("The row repeats row %(row)d of the file.") % {"row": first},
                                                   "skipped"))
                    continue
                seen[key] = row
                outcome.keys.append((key, row))
                mark, imported = deferred.mark(), outcome.imported
                plan.write(row, values, outcome)
                if outcome.imported == imported:  # the row's savepoint was rolled back: so are its entries
                    deferred.rollback_to(mark)
            deferred.flush()
            if job.dry_run:
                transaction.set_rollback(True)
        ImportIssue.objects.bulk_create([ImportIssue(import_job_id=job.pk, row=i.row, field=i.field[:100],
                                                     message=i.message, kind=i.kind) for i in outcome.issues])
        ImportRowKey.objects.bulk_create([ImportRowKey(import_job_id=job.pk, digest=d, row=r) for d, r in outcome.keys])
        Import.objects.filter(pk=job.pk).update(
            rows_processed=batch[-1][0], rows_imported=F("rows_imported") + outcome.imported,
            rows_failed=F("rows_failed") + outcome.failed, rows_skipped=F("rows_skipped") + outcome.skipped,
            rows_flagged=F("rows_flagged") + outcome.flagged,
        )
    return True


def run_import(import_id, *, batch_size: int | None = None) -> Import:
    """Run (or resume) an import to its end; safe to call again after a crash."""
    size = batch_size or BATCH_SIZE
    job = Import.objects.select_related("user").get(pk=import_id)
    if job.done:
        return job
    language = getattr(job.user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            path = file_path(job)
            info = files.FileInfo(job.file_type, job.encoding, job.delimiter)
            if job.rows_total is None:
                job.rows_total = files.count_rows(path, info)
            job.state = ImportState.RUNNING
            job.started_on = job.started_on or timezone.now()
            Import.objects.filter(pk=job.pk).update(state=job.state, started_on=job.started_on, rows_total=job.rows_total)
            rows = files.iter_rows(path, info)
            headers = next(rows, None)
            if headers is None:
                raise files.FileProblem(_("The file is empty."))
            plan = plan_for(job, [h.strip() for h in headers])
            batch: list = []
            for row, cells in enumerate(rows, start=2):
                if row <= job.rows_processed:
                    continue
                if not any(cell.strip() for cell in cells):
                    continue
                values, issues = plan.parse(row, cells)
                batch.append((row, values, issues))
                if len(batch) >= size:
                    if not _commit_batch(job, plan, batch):
                        return Import.objects.get(pk=job.pk)
                    batch = []
            if batch and not _commit_batch(job, plan, batch):
                return Import.objects.get(pk=job.pk)
            Import.objects.filter(pk=job.pk, state=ImportState.RUNNING).update(state=ImportState.FINISHED,
                                                                               finished_on=timezone.now())
        except files.FileProblem as problem:
            Import.objects.filter(pk=job.pk).update(state=ImportState.FAILED, message=str(problem),
                                                    finished_on=timezone.now())
        except FileNotFoundError:
            Import.objects.filter(pk=job.pk).update(state=ImportState.FAILED, finished_on=timezone.now(),
                                                    message=_("The uploaded file is no longer there."))
    return Import.objects.get(pk=job.pk)


def visible_imports(user):
    if getattr(user, "is_system_administrator", False):
        return Import.objects.all()
    return Import.objects.filter(Q(user=user))
