"""The one search module (PLT-6): the index, its maintenance, quick find and global search.

Index: one ``SearchDocument`` per record of every entity with text quick-find fields, holding
the normalized primary field (``name``) and the normalized quick-find values (``text``); the
trigram index over ``text`` (FTS5 on SQLite, pg_trgm on PostgreSQL) serves terms of three or
more characters, ``SearchGram`` serves one- and two-character CJK terms. The index is written
by a write hook inside each write's transaction, so it is never stale after a commit and rolls
back with the write; :func:`rebuild_index` reloads it after bulk loads.

Query: the text is normalized and split into terms (every term must match). Quick find
returns a ``Q`` restricted to the primary keys the index yields; global search takes at most
``CANDIDATES`` readable documents per entity from the index and ranks only those in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import CharField, Exists, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.utils.translation import gettext as _

from rapport.core.actions.base import current_deferred
from rapport.core.entities import TEXT_TYPES, EntitySpec, all_entities, entity_for_model, get_entity, label_of
from rapport.core.permissions.fields import field_readable
from rapport.core.query import QueryError, compile_filter
from rapport.core.search import schema
from rapport.core.search.models import SearchDocument, SearchGram
from rapport.core.search.normalize import Term, cjk_grams, normalize, parse_query

CANDIDATES = 200  # documents that global search ranks (name-prefix matches, then any match)
MAX_NAME = 200  # characters of the normalized name kept for prefix matching and ranking
MAX_FIELD = 10_000  # characters of one field's value that are indexed
BATCH = 5_000
_HIGHEST = "\U0010ffff"


# --- what is indexed --------------------------------------------------------------------------------


def indexed_fields(spec: EntitySpec) -> list[str]:
    """The quick-find fields of ``spec`` the index holds (text fields)."""
    return [n for n in spec.quick_find if n in spec.field_map and spec.field_map[n].type in TEXT_TYPES]


def indexed_entities() -> list[EntitySpec]:
    return [spec for spec in all_entities() if indexed_fields(spec)]


def _column(spec: EntitySpec, name: str) -> str:
    return spec.field_map[name].column or name


def _document(spec: EntitySpec, values: dict) -> tuple[str, str]:
    """(normalized name, normalized text) of a record from its field values."""
    name = normalize(str(values.get(spec.primary_field) or "")[:MAX_NAME * 2])[:MAX_NAME]
    parts = []
    for field_name in indexed_fields(spec):
        value = values.get(field_name)
        if value:
            normalized = normalize(str(value)[:MAX_FIELD])
            if normalized:
                parts.append(normalized)
    # One field per line: terms never contain whitespace, so no match spans two fields.
    return name, "\n".join(parts)


def _values_of(spec: EntitySpec, record) -> dict:
    names = {spec.primary_field, *indexed_fields(spec)}
    return {name: getattr(record, _column(spec, name), "") for name in names}


# --- maintenance (inside the write's transaction) ----------------------------------------------------


def index_record(spec: EntitySpec, record, *, new: bool = False) -> None:
    """Write the index entry of one record (insert, or update only what changed).

    ``new``: the record was just created, so it has no entry yet (saves a look-up).
    """
    if not indexed_fields(spec):
        return
    name, text = _document(spec, _values_of(spec, record))
    current = None if new else (SearchDocument.objects.filter(entity=spec.set_name, record_id=record.pk)
                                .values_list("id", "name", "text").first())
    if current is None:
        document = SearchDocument(entity=spec.set_name, record_id=record.pk, name=name, text=text)
        batch = current_deferred()
        if batch is not None:  # an import's batch: inserted with the batch's other entries
            batch.add(_insert_documents, document)
            return
        _insert_documents([document])
        return
    document_id, old_name, old_text = current
    if (old_name, old_text) == (name, text):
        return
    SearchDocument.objects.filter(id=document_id).update(name=name, text=text)
    old_grams, new_grams = cjk_grams(old_text), cjk_grams(text)
    if old_grams - new_grams:
        SearchGram.objects.filter(document_id=document_id, gram__in=old_grams - new_grams).delete()
    if new_grams - old_grams:
        SearchGram.objects.bulk_create([SearchGram(document_id=document_id, gram=g) for g in new_grams - old_grams])


def _insert_documents(documents: list[SearchDocument]) -> None:
    """New entries (one, or a batch's): the documents in one statement (ids returned), then their grams."""
    if connection.features.can_return_rows_from_bulk_insert:
        SearchDocument.objects.bulk_create(documents, batch_size=BATCH)
    else:
        for document in documents:
            document.save(force_insert=True)
    SearchGram.objects.bulk_create([SearchGram(document_id=d.id, gram=g) for d in documents for g in cjk_grams(d.text)],
                                   batch_size=BATCH)


def remove_records(entity_set: str, record_ids) -> None:
    """Drop the index entries of records (by entity set and ids, a list or a subquery)."""
    documents = SearchDocument.objects.filter(entity=entity_set, record_id__in=record_ids)
    SearchGram.objects.filter(document_id__in=documents.values("id")).delete()
    documents.delete()


def _remove_dependents(record_id) -> None:
    """Notes and connections of a deleted record are deleted with it, without write hooks."""
    from rapport.core.models import Connection, Note

    for model, condition in ((Note, Q(regarding_id=record_id)),
                             (Connection, Q(record1_id=record_id) | Q(record2_id=record_id))):
        spec = entity_for_model(model)
        if spec is not None and indexed_fields(spec):
            ids = list(model.objects.filter(condition).values_list("pk", flat=True))
            if ids:
                remove_records(spec.set_name, ids)


def maintain_index(phase: str, spec: EntitySpec, record, ctx, operation: str) -> None:
    """The write hook: runs inside every create/update/delete transaction (crud.save_record)."""
    if phase == "after_save":
        index_record(spec, record, new=operation == "create")
    elif phase == "before_delete":
        _remove_dependents(record.pk)
        if indexed_fields(spec):
            remove_records(spec.set_name, [record.pk])


def index_records(spec: EntitySpec, records) -> None:
    """Index records written by a bulk path (imports): same result as the write hook."""
    for record in records:
        index_record(spec, record)


def rebuild_index(entities: list[str] | None = None, *, batch_size: int = BATCH) -> dict[str, int]:
    """Rebuild the index of ``entities`` (default: every indexed entity) from the records.

    A full rebuild drops the trigram structures, bulk-inserts documents and grams in batches
    (constant memory) and builds them again; a partial one replaces the entities' entries.
    Returns the number of documents per entity set.
    """
    specs = indexed_entities()
    full = entities is None
    if not full:
        wanted = set(entities)
        specs = [spec for spec in specs if spec.set_name in wanted]
    counts: dict[str, int] = {}
    vendor = connection.vendor
    with transaction.atomic():
        if full:
            _drop_trigram_structures(vendor)
        else:
            for spec in specs:
                remove_records(spec.set_name, spec.model.objects.values("pk"))
        next_id = (SearchDocument.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        for spec in specs:
            counts[spec.set_name], next_id = _load_entity(spec, next_id, batch_size)
        if full:
            _create_trigram_structures(vendor)
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('search_document', 'id'), %s)", [max(next_id - 1, 1)])
    if vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            # Fresh statistics and visibility map: the planner then uses the indexes (and
            # index-only scans of the gram index) at once.
            cursor.execute("VACUUM (ANALYZE) search_document, search_gram")
    # SQLite: no ANALYZE. Its default estimates favour the search indexes; statistics taken
    # while the tables are small would later steer it into scans as they grow.
    return counts


def _load_entity(spec: EntitySpec, next_id: int, batch_size: int) -> tuple[int, int]:
    names = sorted({spec.primary_field, *indexed_fields(spec)})
    columns = [_column(spec, n) for n in names]
    record_id = SearchDocument._meta.get_field("record_id")
    total = 0
    last = None
    while True:
        rows = spec.model.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        rows = list(rows.values_list("pk", *columns)[:batch_size])
        if not rows:
            break
        documents, grams = [], []
        for pk, *values in rows:
            name, text = _document(spec, dict(zip(names, values, strict=True)))
            documents.append((next_id, spec.set_name, record_id.get_db_prep_value(pk, connection), name, text))
            grams += [(next_id, g) for g in cjk_grams(text)]
            next_id += 1
        _insert_rows("search_document", ("id", "entity", "record_id", "name", "text"), documents)
        _insert_rows("search_gram", ("document_id", "gram"), grams)
        total += len(rows)
        last = rows[-1][0]
    return total, next_id


def _insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """The bulk path: COPY on PostgreSQL, one prepared executemany elsewhere (no model objects)."""
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def _drop_trigram_structures(vendor: str) -> None:
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            for statement in schema.SQLITE_DROP_TRIGGERS:
                cursor.execute(statement)
            cursor.execute(schema.DROP_GRAM_INDEX)
            cursor.execute("DELETE FROM search_gram")
            cursor.execute("DELETE FROM search_document")
            cursor.execute("INSERT INTO search_document_fts(search_document_fts) VALUES ('delete-all')")
        elif vendor == "postgresql":
            cursor.execute(schema.POSTGRES_DROP_TRGM_INDEX)
            cursor.execute(schema.DROP_GRAM_INDEX)
            cursor.execute("TRUNCATE search_gram, search_document")
        else:
            SearchGram.objects.all().delete()
            SearchDocument.objects.all().delete()


def _create_trigram_structures(vendor: str) -> None:
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(schema.GRAM_INDEX)
            cursor.execute(schema.SQLITE_FTS_REBUILD)
            for statement in schema.SQLITE_TRIGGERS:
                cursor.execute(statement)
        elif vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(schema.POSTGRES_TRGM_INDEX)
            cursor.execute(schema.GRAM_INDEX)


# --- matching ----------------------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class Unindexed(Func):
    """A column SQLite must not use an index for (``+column``): the search indexes lead instead.

    Without statistics SQLite otherwise walks every document of the entity through the
    (entity, record_id) index and probes the gram/FTS matches for each, a scan in disguise.
    """

    template = "+%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


class NeverIndexed(Unindexed):
    """As :class:`Unindexed`, and on PostgreSQL too (``(column || '')``).

    A filter on several entities matches most documents: PostgreSQL otherwise ANDs the trigram
    bitmap with the (entity, name) index's bitmap of them all — 10M entries, 400 ms on the 1M
    set — to drop nothing. For one entity that bitmap is the cheaper way to skip other entities'
    rows, so a single entity keeps :class:`Unindexed`.
    """

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} || '')", params


def matching_documents(entity_sets: str | list[str], terms: list[Term]):
    """Documents of ``entity_sets`` (one or several) matching every term, each term through its index."""
    sets = [entity_sets] if isinstance(entity_sets, str) else list(entity_sets)
    substrings = [t.text for t in terms if t.kind == "substring"]
    grams = [t.text for t in terms if t.kind == "gram"]
    shorts = [t.text for t in terms if t.kind == "short"]
    documents = SearchDocument.objects.all()
    if substrings or grams:
        unindexed = (Unindexed if len(sets) == 1 else NeverIndexed)("entity", output_field=CharField())
        documents = documents.alias(entity_unindexed=unindexed).filter(entity_unindexed__in=sets)
    else:
        documents = documents.filter(entity__in=sets)
    if substrings:
        if connection.vendor == "sqlite":
            expression = " AND ".join(_fts_phrase(s) for s in substrings)
            documents = documents.filter(id__in=RawSQL(
                "SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s", [expression]))
        else:
            for text in substrings:
                documents = documents.filter(text__substring=f"%{_escape_like(text)}%")
    for gram in grams:
        documents = documents.filter(id__in=SearchGram.objects.filter(gram=gram).values("document_id"))
    if not substrings and not grams:
        # Only one- or two-character non-CJK terms: nothing can serve them as substrings, so
        # the first matches the start of the name (an index range), like a type-ahead.
        first, *shorts = shorts
        documents = documents.filter(name__gte=first, name__lt=first + _HIGHEST)
    for position, text in enumerate(shorts):
        # Checked on the rows the indexed terms found; instr()/strpos() keeps the planner
        # from trying the trigram index for a pattern it cannot serve.
        key = f"short_{position}"
        documents = documents.alias(**{key: StrIndex("text", Value(text))}).filter(**{f"{key}__gt": 0})
    return documents


def _legacy_contains_q(spec: EntitySpec, user, names: list[str], terms: list[Term]) -> Q:
    """Every term in a readable field (used only when some quick-find field is not readable)."""
    tree = {"and": [{"or": [{"field": n, "op": "contains", "value": t.text} for n in names]} for t in terms]}
    return compile_filter(spec, tree, user)


def quick_find_q(spec, user, text: str) -> Q:
    """Records of ``spec`` matching ``text`` in its quick-find fields, found through the index.

    Every whitespace-separated term must match (Traditional/Simplified, width, case and accents
    folded). The ``Q`` selects primary keys from the index; the caller combines it with the
    record filter.
    """
    text = (text or "").strip()[:200]
    if not text:
        return Q()
    names = [n for n in spec.quick_find if field_readable(user, spec, n)]
    if not names:
        return Q(pk__in=[])
    terms = parse_query(text)
    if not terms:
        return Q()
    if not indexed_fields(spec):
        return _legacy_contains_q(spec, user, names, terms)
    # The index leads; the records are looked up by primary key. (Checking each listed record's
    # entry instead was measured 10-20x slower on SQLite for common terms: the list's order is
    # not always index-backed, so every record gets probed.)
    condition = Q(pk__in=matching_documents(spec.set_name, terms).values("record_id"))
    if set(names) != set(indexed_fields(spec)):
        # A field the user may not read must not decide a match (field security).
        condition &= _legacy_contains_q(spec, user, [n for n in names if n in indexed_fields(spec)] or names, terms)
    return condition


# --- global search -------------------------------------------------------------------------------------


@dataclass
class Candidate:
    spec: EntitySpec
    record_id: object
    name: str
    text: str
    rank: tuple = ()


def rank_key(terms: list[Term], name: str, text: str) -> tuple:
    """Smaller is better: exact name, name prefix, a term starting a word of the name, the
    terms in the name (earlier is better), then matches in other fields; shorter names first."""
    query = " ".join(t.text for t in terms)
    in_name = all(t.text in name for t in terms)
    if name == query:
        tier = 0
    elif name.startswith(query):
        tier = 1
    elif in_name and any(name.startswith(t.text) or f" {t.text}" in name for t in terms):
        tier = 2
    elif in_name:
        tier = 3
    else:
        tier = 4
    position = min((name.find(t.text) for t in terms if t.text in name), default=len(name))
    return (tier, position, len(name), name)


def searchable_entities() -> list[EntitySpec]:
    """Entity sets global search covers by default: the indexed ones people open pages of."""
    return [spec for spec in indexed_entities() if spec.area]


def parse_entity_sets(text: str | None) -> list[EntitySpec]:
    """The entity sets named in ``entities=a,b`` (default: every searchable set).

    An unknown or unsearchable set is a ``QueryError`` (400, code ``unknown-set``).
    """
    if text is None or not text.strip():
        return searchable_entities()
    specs = []
    for set_name in dict.fromkeys(part.strip() for part in text.split(",") if part.strip()):
        spec = get_entity(set_name)
        if spec is None or not indexed_fields(spec):
            raise QueryError(_("Unknown entity set \"%(set)s\".") % {"set": set_name}, "unknown-set", field="entities")
        specs.append(spec)
    return specs


def _readable_q(specs: list[EntitySpec], user) -> Q:
    """Documents whose record ``user`` may read (one correlated primary-key probe per document)."""
    condition = Q(pk__in=[])
    for spec in specs:
        readable = spec.model.objects.for_user(user, "read").filter(pk=OuterRef("record_id"))
        condition |= Q(entity=spec.set_name) & Q(Exists(readable))
    return condition


def _candidates(specs: list[EntitySpec], user, terms: list[Term], limit: int) -> list[Candidate]:
    """At most ``limit`` readable matching documents across ``specs``, straight from the index."""
    by_set = {spec.set_name: spec for spec in specs}
    readable = _readable_q(specs, user)
    columns = ("entity", "record_id", "name", "text")
    rows = list(matching_documents(list(by_set), terms).filter(readable).values_list(*columns)[:limit])
    if len(rows) == limit:
        # More matches than candidates: make sure the best ones — names starting with the
        # query, one range of the name index — are among them.
        query = " ".join(t.text for t in terms)
        prefix = list(SearchDocument.objects.filter(entity__in=list(by_set), name__gte=query, name__lt=query + _HIGHEST)
                      .filter(readable).values_list(*columns)[:limit])
        rows = prefix + rows
    found: dict = {}
    for set_name, record_id, name, text in rows:
        key = (set_name, record_id)
        if key not in found and len(found) < limit:
            found[key] = Candidate(by_set[set_name], record_id, name, text, rank_key(terms, name, text))
    return list(found.values())


def _excerpt(value: str, normalized: str, term: str, width: int = 120) -> str:
    if len(value) <= width:
        return value
    # Normalization keeps positions close (not exact, e.g. "ß" -> "ss"): good enough to centre.
    at = max(0, normalized.find(term) - width // 3)
    piece = value[at:at + width]
    return ("…" if at else "") + piece + ("…" if at + width < len(value) else "")


def snippet(spec: EntitySpec, record, user, terms: list[Term]) -> str:
    """The readable quick-find field where the query matched, around the match."""
    for field_name in indexed_fields(spec):
        if not field_readable(user, spec, field_name):
            continue
        value = str(getattr(record, _column(spec, field_name), "") or "")
        normalized = normalize(value)
        hit = next((t.text for t in terms if t.text in normalized), None)
        if hit is None:
            continue
        text = _excerpt(value, normalized, hit)
        if field_name == spec.primary_field:
            return text
        return f"{label_of(spec.field_map[field_name].label)}: {text}"
    return ""


def _all_readable(spec: EntitySpec, user) -> bool:
    return all(field_readable(user, spec, n) for n in indexed_fields(spec))


def _matches_readable_fields(spec: EntitySpec, record, user, terms: list[Term]) -> bool:
    values = [normalize(str(getattr(record, _column(spec, n), "") or "")) for n in indexed_fields(spec)
              if field_readable(user, spec, n)]
    return all(any(t.text in value for value in values) for t in terms)


def global_search(user, text: str, entity_sets: list[str] | None = None, *, limit: int = 20,
                  candidates: int = CANDIDATES) -> list[dict]:
    """The best ``limit`` readable records matching ``text`` across entity sets.

    At most ``candidates`` documents come from the index (name-prefix matches first when there
    are more); only those are ranked, so the cost does not grow with the match count.
    """
    terms = parse_query(text)
    if not terms:
        return []
    specs = [get_entity(s) for s in entity_sets] if entity_sets is not None else searchable_entities()
    specs = [spec for spec in specs if spec is not None and indexed_fields(spec)]
    if not specs:
        return []
    pool = _candidates(specs, user, terms, candidates)
    pool.sort(key=lambda c: c.rank)
    best = pool[:limit]
    by_entity: dict[str, list] = {}
    for candidate in best:
        by_entity.setdefault(candidate.spec.set_name, []).append(candidate.record_id)
    records = {}
    for set_name, ids in by_entity.items():
        spec = get_entity(set_name)
        columns = {_column(spec, n) for n in {spec.primary_field, *indexed_fields(spec)}}
        # The record filter again: the answer is built from records, never from the index.
        for record in spec.model.objects.for_user(user, "read").filter(pk__in=ids).only(*columns):
            records[(set_name, record.pk)] = record
    results = []
    for candidate in best:
        record = records.get((candidate.spec.set_name, candidate.record_id))
        if record is None:
            continue
        spec = candidate.spec
        if not _all_readable(spec, user) and not _matches_readable_fields(spec, record, user, terms):
            continue  # it matched in a field the user may not read: that must not show
        name = str(getattr(record, _column(spec, spec.primary_field), "") or "") if field_readable(user, spec, spec.primary_field) else ""
        results.append({
            "entity": spec.set_name,
            "id": str(record.pk),
            "name": name or str(spec.label),
            "snippet": snippet(spec, record, user, terms),
        })
    return results
