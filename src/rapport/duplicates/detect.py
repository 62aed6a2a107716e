"""Duplicate detection: match keys kept inside every write, rules checked through them (PLT-15, SAL-20).

Every write of a record keeps its :class:`MatchKey` rows current in the writer's transaction (the
``duplicates`` write hook): the entry-check keys (company name blocks, phone, subscriber number,
e-mail) and one combined key per active rule that matches against its entity. Checking a record
computes the same keys from its values and looks them up — an index probe, never a scan — then
compares the candidates' normalized names for similarity.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils.translation import gettext as _

from rapport.core.actions.base import current_deferred
from rapport.core.entities import entity_for_model, get_entity
from rapport.core.errors import DuplicateDetected
from rapport.duplicates import normalize as norm
from rapport.duplicates.models import (
    RULES_MEMO,
    ConditionKind,
    DuplicateCondition,
    DuplicateRule,
    MatchKey,
    RuleMode,
)

logger = logging.getLogger(__name__)

# The fields the HC360 entry check searches, per entity set: company name, phones (incl. fax), e-mail.
ENTRY_FIELDS: dict[str, dict[str, list[str]]] = {
    "accounts": {"name": ["name"], "phone": ["phone", "fax"], "email": ["email"]},
    "leads": {"name": ["company_name"], "phone": ["phone", "mobile_phone", "fax"], "email": ["email"]},
    "contacts": {"phone": ["phone", "mobile_phone", "fax"], "email": ["email"]},
}
CANDIDATES = 200  # at most this many keyed candidates are compared per rule and check
SYNC_PUBLISH_LIMIT = 5000  # a rule over fewer records is published inside the write that changed it


@dataclass
class Match:
    """One record a checked value matches."""

    entity: str
    record: Any
    rule: str = ""
    mode: str = RuleMode.WARN
    score: float = 100.0
    fields: list[str] = field(default_factory=list)

    @property
    def id(self):
        return self.record.pk

    @property
    def name(self) -> str:
        return str(self.record)


# --- values and keys -------------------------------------------------------------------------------


def value_of(values, name: str):
    """A field's value from a record or a dict of submitted values (lookups as their id)."""
    if isinstance(values, dict):
        value = values.get(name)
    else:
        spec = entity_for_model(type(values))
        fs = spec.field_map.get(name) if spec else None
        if fs is not None and fs.type == "lookup":
            value = getattr(values, f"{fs.column}_id", None)
        else:
            value = getattr(values, name, None)
    if hasattr(value, "pk"):
        value = value.pk
    return "" if value is None else value


def transform(kind: str, value, length: int | None = None) -> str:
    """A condition's comparable form of one value ('' when blank)."""
    if value in (None, ""):
        return ""
    if kind == ConditionKind.PHONE:
        return norm.phone_key(value)
    if kind == ConditionKind.SUBSCRIBER:
        return norm.subscriber_key(value)
    if kind == ConditionKind.EMAIL:
        return norm.email_key(value)
    if kind == ConditionKind.COMPANY_NAME:
        return norm.company_text(value)
    text = norm.normalize(str(value))
    if kind == ConditionKind.FIRST:
        return text[: length or 3]
    if kind == ConditionKind.LAST:
        return text[-(length or 3):]
    return text


def _key(parts: list[str]) -> str:
    text = "\x1f".join(parts)
    if len(text) > 190:
        return "#" + hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    return text


def rule_kind(rule_id) -> str:
    """The ``MatchKey.kind`` of a rule's keys."""
    return "r" + (rule_id.hex if hasattr(rule_id, "hex") else str(rule_id).replace("-", ""))


@dataclass
class CompiledRule:
    id: int
    name: str
    base_entity: str
    matching_entity: str
    mode: str
    similarity: int
    exclude_inactive: bool
    conditions: tuple[DuplicateCondition, ...]

    @property
    def kind(self) -> str:
        return rule_kind(self.id)

    @property
    def fuzzy(self) -> DuplicateCondition | None:
        return next((c for c in self.conditions if c.kind == ConditionKind.COMPANY_NAME), None)

    def keys(self, values, side: str) -> tuple[list[str], str] | None:
        """The rule's keys for ``values`` read as its base or matching side; None when a value is blank."""
        parts, text = [], ""
        for condition in self.conditions:
            name = condition.base_field if side == "base" else (condition.matching_field or condition.base_field)
            value = transform(condition.kind, value_of(values, name), condition.length)
            if not value:
                return None
            if condition.kind == ConditionKind.COMPANY_NAME:
                text = value
            else:
                parts.append(value)
        if text:
            return [_key([*parts, block]) for block in norm.block_keys(norm.core_of(text))], text
        return [_key(parts)], ""

    def fields(self, side: str) -> set[str]:
        return {c.base_field if side == "base" else (c.matching_field or c.base_field) for c in self.conditions}


def _rules_stamp() -> tuple:
    """What the rule tables hold, in one cheap query: counts, the newest change, versions and ids.

    Any write through an action changes ``modified_on`` and ``version``; a bulk ``update`` of the
    state changes the active count; rules of another database (tests) have other ids.
    """
    rules, conditions = DuplicateRule._meta.db_table, DuplicateCondition._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {rules} WHERE state = 'active'), (SELECT COUNT(*) FROM {rules}), "
            f"(SELECT MAX(modified_on) FROM {rules}), (SELECT SUM(version) FROM {rules}), (SELECT MAX(CAST(id AS VARCHAR(36))) FROM {rules}), "
            f"(SELECT COUNT(*) FROM {conditions}), (SELECT MAX(modified_on) FROM {conditions}), "
            f"(SELECT SUM(version) FROM {conditions}), (SELECT MAX(CAST(id AS VARCHAR(36))) FROM {conditions})")
        return (connection.settings_dict["NAME"], *cursor.fetchone())


def active_rules(*, base: str | None = None, matching: str | None = None) -> list[CompiledRule]:
    """The active rules with their conditions.

    Read on every write that may need them, so they are kept per process and read again only when
    the one-query stamp of the rule tables changes (an import of 100k rows asked for them ~3 times a
    row: reading and compiling them each time was a third of its time).
    """
    batch = current_deferred()  # an import's batch reads the rules once
    memo = batch.memo.get("rules") if batch is not None else None
    stamp = memo[0] if memo is not None else _rules_stamp()
    memo = memo or RULES_MEMO.get("rules")
    if memo is None or memo[0] != stamp:
        compiled = []
        for rule in DuplicateRule.objects.filter(state="active").prefetch_related("conditions").order_by("name"):
            conditions = sorted(rule.conditions.all(), key=lambda c: (c.kind == ConditionKind.COMPANY_NAME, c.pk))
            if conditions:
                compiled.append(CompiledRule(rule.pk, rule.name, rule.base_entity, rule.matching_entity, rule.mode,
                                             rule.similarity, rule.exclude_inactive, tuple(conditions)))
        memo = RULES_MEMO["rules"] = (stamp, compiled)
    if batch is not None:
        batch.memo["rules"] = memo
    return [rule for rule in memo[1] if (not base or rule.base_entity == base)
            and (not matching or rule.matching_entity == matching)]


def entry_keys(set_name: str, values) -> list[tuple[str, str, str]]:
    """(kind, key, text) rows of the entry check for one record."""
    rows = []
    fields = ENTRY_FIELDS.get(set_name, {})
    for name in fields.get("name", []):
        text = norm.company_text(value_of(values, name))
        for block in norm.block_keys(norm.core_of(text)):
            rows.append(("name", block, text[:200]))
    for name in fields.get("phone", []):
        raw = value_of(values, name)
        phone, subscriber = norm.phone_key(raw), norm.subscriber_key(raw)
        if phone:
            rows.append(("phone", phone, ""))
        if subscriber:
            rows.append(("sub", subscriber, ""))
    for name in fields.get("email", []):
        email = norm.email_key(value_of(values, name))
        if email:
            rows.append(("email", email, ""))
    return rows


def record_keys(set_name: str, record, rules: list[CompiledRule] | None = None) -> set[tuple[str, str, str]]:
    """Every key row one record should have."""
    rows = set(entry_keys(set_name, record))
    for rule in rules if rules is not None else active_rules(matching=set_name):
        found = rule.keys(record, "matching")
        if found:
            keys, text = found
            rows.update((rule.kind, key, text[:200]) for key in keys)
    return rows


def refresh_keys(set_name: str, record, rules: list[CompiledRule] | None = None, *, new: bool = False) -> None:
    """Make the stored keys of ``record`` what its values say (no write when nothing changed).

    ``new``: the record was just created, so it has no keys yet (saves a look-up).
    """
    wanted = record_keys(set_name, record, rules)
    batch = current_deferred() if new else None
    if batch is not None:  # an import's batch: inserted with its other rows, read back through its key cache
        cache = key_cache(batch)
        for kind, key, text in wanted:
            position = batch.add(_insert_keys, MatchKey(entity=set_name, record_id=record.pk, kind=kind, key=key, text=text))
            cache.added(position, kind, set_name, key, record.pk, text)
        return
    current = set() if new else set(MatchKey.objects.filter(record_id=record.pk).values_list("kind", "key", "text"))
    if wanted == current:
        return
    stale = current - wanted
    if stale:
        MatchKey.objects.filter(record_id=record.pk).delete()
        new = wanted
    else:
        new = wanted - current
    MatchKey.objects.bulk_create([MatchKey(entity=set_name, record_id=record.pk, kind=k, key=key, text=text)
                                  for k, key, text in new])


def _insert_keys(keys: list[MatchKey]) -> None:
    MatchKey.objects.bulk_create(keys, batch_size=1000)


class KeyCache:
    """The match keys a batch of writes reads (an import's): each key read once, plus the batch's own.

    A key's stored rows are read with one prepared statement the first time a row of the batch
    asks for it (at most ``CANDIDATES``, as :func:`keyed_rows` reads); the keys of the records the
    batch itself creates are deferred (inserted when it commits) and answered from here, so a
    later row still finds an earlier one. Rows dropped by a rolled-back write leave with it.
    """

    def __init__(self):
        self.stored: dict[tuple[str, str, str], list[tuple]] = {}
        self.pending: dict[tuple[str, str, str], list[tuple]] = {}

    def added(self, position: int, kind: str, entity: str, key: str, record_id, text: str) -> None:
        self.pending.setdefault((kind, entity, key), []).append((position, record_id, text))

    def rollback_to(self, mark: int) -> None:
        for rows in self.pending.values():
            rows[:] = [row for row in rows if row[0] < mark]

    def _stored(self, kind: str, entity: str, key: str) -> list[tuple]:
        found = self.stored.get((kind, entity, key))
        if found is None:
            to_python, q = MatchKey._meta.get_field("record_id").to_python, connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {q('record_id')}, {q('text')} FROM {q(MatchKey._meta.db_table)} WHERE {q('kind')} = %s "
                               f"AND {q('key')} = %s AND {q('entity')} = %s LIMIT %s", [kind, key, entity, CANDIDATES + 1])
                found = self.stored[(kind, entity, key)] = [(to_python(r), t) for r, t in cursor.fetchall()]
        return found

    def rows(self, kind: str, entity: str, keys: list[str], *, exclude_id=None, cap: int = CANDIDATES) -> list[tuple]:
        """``(record_id, text)`` of ``keys`` in their order, at most ``cap`` (:func:`keyed_rows`'s answer)."""
        found: list[tuple] = []
        for key in keys:
            rows = [*self._stored(kind, entity, key), *((r, t) for _p, r, t in self.pending.get((kind, entity, key), ()))]
            found.extend(row for row in rows if row[0] != exclude_id)
            if len(found) >= cap:
                return found[:cap]
        return found


def key_cache(batch) -> KeyCache:
    return batch.memo.setdefault("match_keys", KeyCache())


def keyed_entities() -> set[str]:
    return set(ENTRY_FIELDS) | {r.matching_entity for r in active_rules()}


# --- checking --------------------------------------------------------------------------------------


def keyed_rows(rows, keys: list[str], fields: tuple[str, ...], cap: int = CANDIDATES) -> list:
    """The rows of ``keys`` in their order — the exact key first, then the blocks — at most ``cap``.

    One indexed probe a key, so a large block (every name ending in 重工) never crowds out the
    records whose whole name matches.
    """
    found: list = []
    for key in keys:
        if len(found) >= cap:
            break
        found.extend(rows.filter(key=key).values_list(*fields)[: cap - len(found)])
    return found


def _load(set_name: str, ids, *, active_only: bool):
    """The matched records with just what a match shows: name, owner, state, pool (not whole rows)."""
    spec = get_entity(set_name)
    records = spec.model.objects.filter(pk__in=list(ids))
    # Inactive records are dropped here, not in SQL: without statistics SQLite would walk the
    # (state, name) index over every active record instead of probing the few primary keys.
    active_only = active_only and spec.has_state and "active" in {c for c, _l in spec.states}
    model_fields = {f.name for f in spec.model._meta.get_fields()}
    columns = ["pk", spec.field_map[spec.primary_field].column or spec.primary_field, "state"]
    columns += [name for name in ("owning_business_unit", "pool") if name in model_fields]
    related = [name for name in ("owner_user", "owner_team") if name in model_fields]
    columns += related + [f"{name}__{field}" for name, field in (("owner_user", "full_name"), ("owner_user", "username"),
                                                                  ("owner_team", "name")) if name in related]
    return {r.pk: r for r in records.select_related(*related).only(*columns) if not active_only or r.state == "active"}


MAX_MATCHES = 20  # a refusal lists at most this many records


def check_rules(set_name: str, values, *, exclude_id=None, rules: list[CompiledRule] | None = None) -> list[Match]:
    """The records ``values`` (a record or a dict of field values) duplicate under the active rules."""
    matches: dict[tuple[str, Any], Match] = {}
    batch = current_deferred()
    for rule in rules if rules is not None else active_rules(base=set_name):
        found = rule.keys(values, "base")
        if not found:
            continue
        keys, text = found
        if batch is not None:
            candidates = key_cache(batch).rows(rule.kind, rule.matching_entity, keys, exclude_id=exclude_id)
        else:
            rows = MatchKey.objects.filter(kind=rule.kind, entity=rule.matching_entity)
            if exclude_id is not None:
                rows = rows.exclude(record_id=exclude_id)
            candidates = keyed_rows(rows, keys, ("record_id", "text"))
        scores: dict[Any, float] = {}
        for record_id, other in candidates:
            score = norm.similarity(text, other) if text else 100.0
            if score >= (rule.similarity if text else 100):
                scores[record_id] = max(score, scores.get(record_id, 0))
        if not scores:
            continue
        best = sorted(scores, key=lambda pk: -scores[pk])[: MAX_MATCHES * 2]
        for pk, record in _load(rule.matching_entity, best, active_only=rule.exclude_inactive).items():
            key = (rule.matching_entity, pk)
            if key not in matches or (rule.mode == RuleMode.BLOCK and matches[key].mode != RuleMode.BLOCK):
                matches[key] = Match(rule.matching_entity, record, rule.name, rule.mode, scores[pk])
    return sorted(matches.values(), key=lambda m: (-m.score, m.name))[:MAX_MATCHES]


def find_duplicates(set_name: str, data: dict, *, exclude_id=None, user=None) -> list[Match]:
    """The import's question: which records would the values ``data`` duplicate (warn and block rules)."""
    return check_rules(set_name, data, exclude_id=exclude_id)


def describe(matches: list[Match], user) -> list[dict]:
    """The 409's ``duplicates``: records the user may not read show only their owner's name."""
    readable = _readable_ids(matches, user)
    out = []
    for match in matches[:20]:
        visible = (match.entity, match.record.pk) in readable
        out.append({
            "entity": match.entity,
            "id": str(match.record.pk) if visible else None,
            "name": match.name if visible else None,
            "rule": match.rule,
            "mode": match.mode,
            "owner_display": owner_display(match.record),
        })
    return out


def _readable_ids(matches, user) -> set:
    by_set: dict[str, list] = {}
    for match in matches:
        by_set.setdefault(match.entity, []).append(match.record.pk)
    readable = set()
    for set_name, ids in by_set.items():
        spec = get_entity(set_name)
        if user is None:
            continue
        for pk in spec.model.objects.for_user(user, "read").filter(pk__in=ids).values_list("pk", flat=True):
            readable.add((set_name, pk))
    return readable


def owner_display(record) -> str:
    owner = getattr(record, "owner_user", None) if getattr(record, "owner_user_id", None) else None
    if owner is not None:
        return str(owner)
    team = getattr(record, "owner_team", None) if getattr(record, "owner_team_id", None) else None
    if team is not None:
        return team.name
    if getattr(record, "pool", ""):
        return _("Public pool") if record.pool == "public" else _("Agent pool")
    return ""


def refusal(matches: list[Match], user) -> DuplicateDetected:
    described = describe(matches, user)
    blocked = any(m.mode == RuleMode.BLOCK for m in matches)
    first = described[0]
    who = first["name"] or _("a record of %(owner)s") % {"owner": first["owner_display"] or _("another user")}
    if blocked:
        detail = _("This record duplicates %(record)s (rule “%(rule)s”) and cannot be saved.") % {
            "record": f"“{who}”" if first["name"] else who, "rule": first["rule"]}
    else:
        detail = _("This record may duplicate %(record)s (rule “%(rule)s”). Save anyway to keep both.") % {
            "record": f"“{who}”" if first["name"] else who, "rule": first["rule"]}
    return DuplicateDetected(detail, extra={"duplicates": described, "can_override": not blocked})


# --- the write hook --------------------------------------------------------------------------------


def duplicates_write_hook(phase: str, spec, record, ctx, operation: str) -> None:
    set_name = spec.set_name
    if set_name in ("duplicate-rules", "duplicate-rule-conditions"):
        if phase == "after_save" or (phase == "before_delete" and set_name == "duplicate-rule-conditions"):
            publish_rule(record.pk if set_name == "duplicate-rules" else record.rule_id, without=record.pk)
        elif phase == "before_delete":
            MatchKey.objects.filter(kind=rule_kind(record.pk)).delete()
        return
    if set_name not in ENTRY_FIELDS:  # rules compare accounts, contacts and leads only
        return
    if phase == "before_save" and operation in ("create", "update"):
        if ctx.duplicates_checked:
            return
        rules = active_rules(base=set_name)
        if not rules:
            return
        if operation == "update":
            rules = _touched(spec, record, rules)
            if not rules:
                return
        matches = check_rules(set_name, record, exclude_id=record.pk, rules=rules)
        if not matches:
            return
        if ctx.suppress_duplicate_detection and not any(m.mode == RuleMode.BLOCK for m in matches):
            return
        raise refusal(matches, ctx.user)
    elif phase == "after_save":
        refresh_keys(set_name, record, new=operation == "create")
    elif phase == "before_delete":  # (after the delete the instance has lost its pk)
        MatchKey.objects.filter(record_id=record.pk).delete()


def _touched(spec, record, rules: list[CompiledRule]) -> list[CompiledRule]:
    """The rules whose base fields this update changes (an untouched duplicate is not re-reported)."""
    names = set().union(*(r.fields("base") for r in rules))
    columns = {}
    for name in names:
        fs = spec.field_map.get(name)
        if fs is not None:
            columns[name] = f"{fs.column}_id" if fs.type == "lookup" else fs.column
    old = spec.model.objects.filter(pk=record.pk).values(*columns.values()).first() or {}
    changed = {name for name, column in columns.items() if old.get(column) != getattr(record, column, None)}
    return [r for r in rules if r.fields("base") & changed]


# --- publishing a rule -----------------------------------------------------------------------------


def publish_rule(rule_id, *, without=None) -> None:
    """Keep the rule's keys on its matching records current (inline when small, else as a job).

    ``without``: a condition being deleted, left out of the keys.
    """
    rule = DuplicateRule.objects.filter(pk=rule_id).first()
    MatchKey.objects.filter(kind=rule_kind(rule_id)).delete()
    if rule is None or rule.state != "active":
        return
    if without is not None and not rule.conditions.exclude(pk=without).exists():
        return
    spec = get_entity(rule.matching_entity)
    if spec is None:
        return
    if spec.model.objects.count() <= SYNC_PUBLISH_LIMIT:
        build_rule_keys(rule_id, without=without)
    else:
        from rapport.core.jobs.queue import enqueue_on_commit
        from rapport.duplicates.tasks import publish_rule_task

        enqueue_on_commit(publish_rule_task, str(rule_id))


def build_rule_keys(rule_id, *, batch_size: int = 2000, without=None) -> int:
    """Write the keys of one rule for every record of its matching entity, in batches (idempotent)."""
    compiled = [r for r in active_rules() if str(r.id) == str(rule_id)]
    if not compiled:
        return 0
    rule = compiled[0]
    rule = dataclasses.replace(rule, conditions=tuple(c for c in rule.conditions if c.pk != without))
    spec = get_entity(rule.matching_entity)
    MatchKey.objects.filter(kind=rule.kind).delete()
    written, last = 0, None
    columns = ["pk", *{(spec.field_map[n].column + ("_id" if spec.field_map[n].type == "lookup" else ""))
                       for n in rule.fields("matching") if n in spec.field_map}]
    while True:
        page = spec.model.objects.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page.only(*columns)[:batch_size])
        if not batch:
            if written > SYNC_PUBLISH_LIMIT:
                _analyze()
            return written
        rows = []
        for record in batch:
            found = rule.keys(record, "matching")
            if found:
                keys, text = found
                rows.extend(MatchKey(entity=spec.set_name, record_id=record.pk, kind=rule.kind, key=k, text=text[:200])
                            for k in keys)
        MatchKey.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        last = batch[-1].pk


def rebuild_keys(set_names: list[str] | None = None, *, batch_size: int = 2000) -> int:
    """Rebuild every key of the named entities (after a bulk load, or to repair)."""
    total = 0
    for set_name in set_names or sorted(keyed_entities()):
        spec = get_entity(set_name)
        rules = active_rules(matching=set_name)
        MatchKey.objects.filter(entity=set_name).delete()
        last = None
        while True:
            page = spec.model.objects.order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            batch = list(page[:batch_size])
            if not batch:
                break
            rows = [MatchKey(entity=set_name, record_id=r.pk, kind=k, key=key, text=text)
                    for r in batch for k, key, text in record_keys(set_name, r, rules)]
            MatchKey.objects.bulk_create(rows, batch_size=1000)
            total += len(rows)
            last = batch[-1].pk
    _analyze()
    return total


def _analyze() -> None:
    """PostgreSQL: statistics for the keys just bulk-written, so checks use the lookup index at once."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE duplicates_matchkey")


# --- the HC360 entry check --------------------------------------------------------------------------

ENTRY_SIMILARITY = 88
ENTRY_LIMIT = 50


def entry_check(user, set_names: list[str], *, name: str = "", phone: str = "", fax: str = "", email: str = "",
                limit: int = ENTRY_LIMIT) -> list[dict]:
    """Where records like these sit, across every pool: the HC360 "check before entry" (SAL-20).

    Finds by company name (normalized and similar, or containing the name's core as a keyword),
    phone and fax (national number or, for landlines, the number without its area code) and
    e-mail — over all records, whoever owns them; a record the user may not read shows only its
    name, its owner's name and where it sits, never its id or other data.
    """
    sets = [s for s in set_names if s in ENTRY_FIELDS]
    found: dict[tuple[str, Any], str] = {}

    def add(entity, record_id, why):
        found.setdefault((entity, record_id), why)

    text = norm.company_text(name)
    if text:
        rows = MatchKey.objects.filter(kind="name", entity__in=sets)
        for entity, record_id, other in keyed_rows(rows, norm.block_keys(norm.core_of(text)),
                                                   ("entity", "record_id", "text")):
            if norm.similarity(text, other) >= ENTRY_SIMILARITY:
                add(entity, record_id, "company_name")
        _keyword_matches(sets, text, add, limit)
    for raw, why in ((phone, "phone"), (fax, "fax")):
        national, subscriber = norm.phone_key(raw), norm.subscriber_key(raw)
        if not national and not subscriber:
            continue
        rows = MatchKey.objects.filter(entity__in=sets).filter(
            models.Q(kind="phone", key=national) | models.Q(kind="sub", key=subscriber or national))
        for entity, record_id in rows.values_list("entity", "record_id")[:CANDIDATES]:
            add(entity, record_id, why)
    address = norm.email_key(email)
    if address:
        for entity, record_id in MatchKey.objects.filter(kind="email", key=address, entity__in=sets).values_list(
                "entity", "record_id")[:CANDIDATES]:
            add(entity, record_id, "email")
    by_set: dict[str, list] = {}
    for entity, record_id in list(found)[: limit * 2]:  # the strongest reasons were found first
        by_set.setdefault(entity, []).append(record_id)
    matches = []
    for entity, ids in by_set.items():
        for pk, record in _load(entity, ids, active_only=False).items():
            matches.append(Match(entity, record, found[(entity, pk)]))
    order = {"company_name": 0, "phone": 1, "fax": 2, "email": 3, "keyword": 4}
    matches.sort(key=lambda m: (order.get(m.rule, 9), m.name))
    matches = matches[:limit]
    readable = _readable_ids(matches, user)
    out = []
    for match in matches:
        visible = (match.entity, match.record.pk) in readable
        out.append({
            "entity": match.entity,
            "id": str(match.record.pk) if visible else None,
            "name": match.name,
            "owner_display": owner_display(match.record),
            "pool": where(match.record, user),
            "rule": match.rule,
        })
    return out


def _keyword_matches(sets, text: str, add, limit: int) -> None:
    """Records whose name contains the name's core (华为 in 北京华为科技有限公司), via the search index."""
    from rapport.core.search.models import SearchDocument
    from rapport.core.search.normalize import parse_query
    from rapport.core.search.service import matching_documents

    core = norm.core_of(text)
    terms = parse_query(core if len(core) <= 40 else norm.words_of(text))
    if not terms:
        return
    name_sets = [s for s in sets if ENTRY_FIELDS[s].get("name")]
    if not name_sets:
        return
    documents = matching_documents(name_sets, terms)
    ids = documents.values_list("id", flat=True)[:limit]
    for entity, record_id in SearchDocument.objects.filter(id__in=list(ids)).values_list("entity", "record_id"):
        add(entity, record_id, "keyword")


def where(record, user) -> str:
    """mine | other_user | public_pool | other_pool (API.md)."""
    pool = getattr(record, "pool", "") or ""
    if pool == "public":
        return "public_pool"
    if pool:
        return "other_pool"
    if getattr(record, "owner_user_id", None) and record.owner_user_id == getattr(user, "pk", None):
        return "mine"
    if getattr(record, "owner_team_id", None) and user is not None and hasattr(user, "teams") and \
            user.teams.filter(pk=record.owner_team_id).exists():
        return "mine"
    return "other_user"

