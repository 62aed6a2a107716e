"""The full data set of the scale issue, loaded through bulk paths.

For ``scale`` accounts: 2 × contacts, 1 × leads, 1 × opportunities, 5 × activities (1M accounts →
2M contacts, 1M leads, 1M opportunities, 5M activities). Multilingual names (``bench.generate``),
owners with a Zipf-like skew, dates over three years; contacts belong to accounts, opportunities
to accounts and contacts, activities regard any of them.

Rows go in as the database's own bulk path (COPY on PostgreSQL, one prepared ``executemany`` a
batch on SQLite) from model instances, so every column gets the model's defaults. The search index
documents and the duplicate-detection match keys are written in the same pass by the product's own
functions (``search.service._document``, ``duplicates.detect.record_keys``) — the result is what
the write hooks would have written; the trigram structures are dropped for the load and built once
at the end, as ``rebuild_index`` does. Resumable: each entity is filled up to its target count.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from decimal import Decimal

BATCH = 10_000
RATIOS = {"accounts": 1, "contacts": 2, "leads": 1, "opportunities": 1, "activities": 5}

FIRST = {
    "zh": ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "桂英", "建华"],
    "ru": ["Иван", "Сергей", "Анна", "Ольга", "Дмитрий", "Елена", "Алексей", "Мария", "Андрей", "Наталья"],
    "hu": ["László", "István", "József", "Zsófia", "Katalin", "Erzsébet", "Gábor", "Péter", "Eszter", "Anna"],
    "en": ["James", "Mary", "John", "Patricia", "Robert", "Linda", "Michael", "Susan", "David", "Karen"],
}
LAST = {
    "zh": ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林"],
    "ru": ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков"],
    "hu": ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas"],
    "en": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark"],
}
JOBS = ["采购经理", "总经理", "Purchasing manager", "CEO", "Главный инженер", "Beszerzési vezető", "Fleet manager", ""]
SUBJECTS = {
    "task": ["跟进报价", "Send the quote", "Подготовить договор", "Ajánlat küldése", "Check credit limit", "回访客户"],
    "phone_call": ["电话回访", "Follow-up call", "Звонок клиенту", "Telefonos egyeztetés", "Call about service"],
    "email": ["报价单", "Quote attached", "Коммерческое предложение", "Árajánlat", "Brochure and prices"],
    "appointment": ["上门拜访", "Site visit", "Встреча на объекте", "Bemutató", "Demo of the new model"],
}
LANGS = ["zh", "zh", "zh", "ru", "hu", "en"]


def targets(scale: int) -> dict[str, int]:
    return {name: scale * ratio for name, ratio in RATIOS.items()}


def _person(rng: random.Random) -> tuple[str, str, str]:
    lang = rng.choice(LANGS)
    return rng.choice(FIRST[lang]), rng.choice(LAST[lang]), lang


def _moment(rng: random.Random, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))


def _owned(owner, moment) -> dict:
    return {"owner_user_id": owner.pk, "owning_business_unit_id": owner.business_unit_id, "created_on": moment,
            "modified_on": moment, "created_by_id": owner.pk, "modified_by_id": owner.pk}


class Loader:
    """Inserts model instances with their search documents and match keys, batch by batch."""

    def __init__(self):
        from django.db import DEFAULT_DB_ALIAS, connections

        from rapport.core.search.models import SearchDocument

        self.connection = connections[DEFAULT_DB_ALIAS]  # the object itself, not the thread-local proxy
        self.vendor = self.connection.vendor
        self.next_document = (SearchDocument.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        self.touched_index = False

    def begin(self) -> None:
        """Fast load settings, and the trigram structures dropped (built once at the end)."""
        from rapport.core.search import schema

        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB: random UUID keys touch every page
                for statement in schema.SQLITE_DROP_TRIGGERS:
                    cursor.execute(statement)
            else:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute(schema.POSTGRES_DROP_TRGM_INDEX)
            cursor.execute(schema.DROP_GRAM_INDEX)
        self.touched_index = True

    def finish(self) -> None:
        from django.db import transaction

        from rapport.core.search.service import _create_trigram_structures

        if not self.touched_index:
            return
        with transaction.atomic():
            _create_trigram_structures(self.vendor)
            if self.vendor == "postgresql":
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT setval(pg_get_serial_sequence('search_document', 'id'), %s)",
                                   [max(self.next_document - 1, 1)])

    def insert_rows(self, set_name: str, template: Template, rows: list[dict]) -> None:
        """Rows from a template, with their search documents (entities without duplicate rules)."""
        from functools import lru_cache

        from django.db import transaction

        from rapport.core.entities import get_entity
        from rapport.core.search.models import SearchDocument
        from rapport.core.search.normalize import cjk_grams
        from rapport.core.search.service import _document, _insert_rows, indexed_fields

        spec = get_entity(set_name)
        names = sorted({spec.primary_field, *indexed_fields(spec)})

        @lru_cache(maxsize=4096)
        def document(values: tuple):
            name, text = _document(spec, dict(zip(names, values, strict=True)))
            return name, text, sorted(cjk_grams(text))

        record_id = SearchDocument._meta.get_field("record_id")
        quote = self.connection.ops.quote_name
        documents, grams = [], []
        for values in rows:
            name, text, found = document(tuple(values.get(n, "") for n in names))
            documents.append((self.next_document, set_name, record_id.get_db_prep_value(values["id"], self.connection),
                              name, text))
            grams += [(self.next_document, g) for g in found]
            self.next_document += 1
        prepared = [template.row(values) for values in rows]
        with transaction.atomic():
            _insert_rows(quote(spec.model._meta.db_table), tuple(quote(f.column) for f in template.fields), prepared)
            _insert_rows("search_document", ("id", "entity", "record_id", "name", "text"), documents)
            _insert_rows("search_gram", ("document_id", "gram"), grams)

    def insert(self, set_name: str, objects: list, rules) -> None:
        from django.db import models, transaction

        from rapport.core.entities import get_entity
        from rapport.core.search.models import SearchDocument
        from rapport.core.search.normalize import cjk_grams
        from rapport.core.search.service import _document, _insert_rows, _values_of, indexed_fields
        from rapport.duplicates.detect import record_keys
        from rapport.duplicates.models import MatchKey

        spec = get_entity(set_name)
        model = spec.model
        fields = list(model._meta.concrete_fields)
        prep = self.connection
        plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
        converters = [None if isinstance(f, plain) and not f.is_relation else f for f in fields]
        rows = [tuple(getattr(o, f.attname) if c is None else c.get_db_prep_save(getattr(o, f.attname), prep)
                      for f, c in zip(fields, converters, strict=True)) for o in objects]
        record_id = SearchDocument._meta.get_field("record_id")
        documents, grams, keys = [], [], []
        if indexed_fields(spec):
            for record in objects:
                name, text = _document(spec, _values_of(spec, record))
                documents.append((self.next_document, set_name, record_id.get_db_prep_value(record.pk, prep), name, text))
                grams += [(self.next_document, g) for g in cjk_grams(text)]
                self.next_document += 1
        if rules is not None:
            key_id = MatchKey._meta.get_field("record_id")
            for record in objects:
                pk = key_id.get_db_prep_value(record.pk, prep)
                keys += [(set_name, pk, kind, key, text) for kind, key, text in record_keys(set_name, record, rules)]
        with transaction.atomic():
            quote = self.connection.ops.quote_name
            _insert_rows(quote(model._meta.db_table), tuple(quote(f.column) for f in fields), rows)
            _insert_rows("search_document", ("id", "entity", "record_id", "name", "text"), documents)
            _insert_rows("search_gram", ("document_id", "gram"), grams)
            _insert_rows(MatchKey._meta.db_table, ("entity", "record_id", "kind", "key", "text"), keys)


class Template:
    """Rows of one model from a prepared sample row, changing only the given columns.

    For the largest table (activities): no model instance and no preparation of the ~40 columns that
    are the same in every row; only the changed values go through their field's preparation.
    """

    PLAIN = ("CharField", "TextField", "PositiveIntegerField", "PositiveSmallIntegerField", "BooleanField")

    def __init__(self, sample, connection):
        self.connection = connection
        self.fields = list(type(sample)._meta.concrete_fields)
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.base = [f.get_db_prep_save(getattr(sample, f.attname), connection) for f in self.fields]
        self.plain = {f.attname for f in self.fields if type(f).__name__ in self.PLAIN}

    def row(self, values: dict) -> tuple:
        row = self.base.copy()
        for name, value in values.items():
            i = self.index[name]
            row[i] = value if name in self.plain or value is None else self.fields[i].get_db_prep_save(value, self.connection)
        return tuple(row)


def activate_rules() -> None:
    """The shipped duplicate rules, active (as `rapport demo` and a real organisation would have them)."""
    from rapport.duplicates.models import DuplicateRule
    from rapport.duplicates.shipped import ensure_shipped_rules

    ensure_shipped_rules()
    DuplicateRule.objects.exclude(state="active").update(state="active")


def generate(scale: int, *, seed: int = 7, log=print) -> dict:
    """Fill every entity up to its target for ``scale`` accounts; returns rows added and seconds per entity."""
    from django.db import connection

    from bench.generate import INDUSTRIES, company_name, ensure_users
    from rapport.activities.models import Activity
    from rapport.customers.models import Account, Contact
    from rapport.duplicates.detect import active_rules
    from rapport.sales.models import Lead, Opportunity

    activate_rules()
    users = ensure_users()
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(users))]
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    want = targets(scale)
    models = {"accounts": Account, "contacts": Contact, "leads": Lead, "opportunities": Opportunity,
              "activities": Activity}
    have = {name: models[name].objects.count() for name in want}
    report: dict[str, dict] = {}
    if all(have[n] >= want[n] for n in want):
        return report
    loader = Loader()
    loader.begin()
    ids: dict[str, list] = {}

    def ids_of(name):
        if name not in ids:
            ids[name] = list(models[name].objects.values_list("pk", flat=True))
        return ids[name]

    def fill(name, make, template=None):
        missing = want[name] - have[name]
        if missing <= 0:
            return
        rng = random.Random(seed * 1000 + have[name] + len(name))
        rules = active_rules(matching=name)
        started = time.perf_counter()
        done = 0
        while done < missing:
            objects = [make(rng) for _ in range(min(BATCH, missing - done))]
            if template is not None:
                loader.insert_rows(name, template, objects)
            else:
                loader.insert(name, objects, rules)
                if name in ids:
                    ids[name].extend(o.pk for o in objects)
            done += len(objects)
            if done % 100_000 < BATCH:
                log(f"  {name}: {have[name] + done:,} / {want[name]:,}")
        elapsed = time.perf_counter() - started
        report[name] = {"rows": done, "seconds": round(elapsed, 1), "rows_per_s": round(done / elapsed)}
        log(f"{name}: {done:,} rows in {elapsed:.0f} s")

    def owner(rng):
        return rng.choices(users, weights)[0]

    def make_account(rng):
        who, moment = owner(rng), _moment(rng, now)
        name, city, country = company_name(rng)
        return Account(id=uuid.UUID(int=rng.getrandbits(128), version=4), name=name, city=city, country=country,
                       industry=rng.choice(INDUSTRIES), phone=f"+86 10 {rng.randint(10000000, 99999999)}",
                       state="active" if rng.random() < 0.9 else "inactive", currency="CNY", **_owned(who, moment))

    def make_contact(rng):
        from rapport.customers.models import compose_full_name

        who, moment = owner(rng), _moment(rng, now)
        first, last, lang = _person(rng)
        n = rng.getrandbits(40)
        return Contact(id=uuid.UUID(int=rng.getrandbits(128), version=4), first_name=first, last_name=last,
                       full_name=compose_full_name(first, last), job_title=rng.choice(JOBS),
                       account_id=rng.choice(ids_of("accounts")), email=f"c{n:x}@example.com",
                       mobile_phone=f"+86 13{rng.randint(100000000, 999999999)}",
                       state="active" if rng.random() < 0.92 else "inactive", **_owned(who, moment))

    def make_lead(rng):
        from rapport.customers.models import compose_full_name

        who, moment = owner(rng), _moment(rng, now)
        first, last, lang = _person(rng)
        company, city, country = company_name(rng)
        roll = rng.random()
        state, reason = ("open", "new") if roll < 0.6 else (("qualified", "qualified") if roll < 0.8 else
                                                             ("disqualified", "lost"))
        return Lead(id=uuid.UUID(int=rng.getrandbits(128), version=4), topic=f"{company} — {rng.choice(JOBS) or 'Lead'}",
                    first_name=first, last_name=last, full_name=compose_full_name(first, last), company_name=company,
                    city=city, country=country, rating=rng.choice(["hot", "warm", "cold"]),
                    email=f"l{rng.getrandbits(40):x}@example.com", phone=f"+86 21 {rng.randint(10000000, 99999999)}",
                    lead_source=rng.choice(["web_site", "trade_show", "referral", "advertisement"]), currency="CNY",
                    state=state, status_reason=reason, **_owned(who, moment))

    stages = _stages()

    def make_opportunity(rng):
        who, moment = owner(rng), _moment(rng, now)
        process, open_stages, won, lost = rng.choice(stages)
        close = (now + dt.timedelta(days=rng.randint(-700, 400))).date()
        roll = rng.random()
        if roll < 0.75 or won is None or lost is None:
            stage, state, actual = open_stages[min(int(rng.expovariate(0.6)), len(open_stages) - 1)], "open", None
        else:
            stage = won if roll < 0.87 else lost
            state, actual = ("won" if stage is won else "lost"), close
        return Opportunity(id=uuid.UUID(int=rng.getrandbits(128), version=4), topic=f"Deal {rng.getrandbits(32)}",
                           customer_account_id=rng.choice(ids_of("accounts")), contact_id=rng.choice(ids_of("contacts")),
                           currency="CNY", estimated_revenue=Decimal(rng.randint(10_000, 5_000_000)),
                           probability=stage.probability, estimated_close_date=close, actual_close_date=actual,
                           sales_process=process, stage=stage.code, stage_entered_on=moment, state=state,
                           **_owned(who, moment))

    regarding = [("accounts", 0.35), ("contacts", 0.25), ("opportunities", 0.25), ("leads", 0.15)]

    kinds, entities, shares = list(SUBJECTS), [r[0] for r in regarding], [r[1] for r in regarding]

    def make_activity(rng):
        who, moment = owner(rng), _moment(rng, now)
        kind = rng.choice(kinds)
        entity = rng.choices(entities, shares)[0]
        due = moment + dt.timedelta(days=rng.randint(0, 30))
        state = "open" if due > now - dt.timedelta(days=30) and rng.random() < 0.7 else (
            "completed" if rng.random() < 0.9 else "cancelled")
        return {"id": uuid.UUID(int=rng.getrandbits(128), version=4), "activity_type": kind,
                "subject": rng.choice(SUBJECTS[kind]), "regarding_entity": entity,
                "regarding_id": rng.choice(ids_of(entity)), "due_on": due,
                "start_on": due if kind == "appointment" else None,
                "end_on": due + dt.timedelta(hours=1) if kind == "appointment" else None,
                "direction": "outgoing" if kind in ("phone_call", "email") else "", "state": state,
                "closed_on": due if state != "open" else None, **_owned(who, moment)}

    sample = users[0]
    activity_template = Template(Activity(subject="-", activity_type="task", priority="normal",
                                          **_owned(sample, now)), loader.connection)

    try:
        fill("accounts", make_account)
        fill("contacts", make_contact)
        fill("leads", make_lead)
        fill("opportunities", make_opportunity)
        fill("activities", make_activity, activity_template)
    finally:
        started = time.perf_counter()
        loader.finish()
        report["search_structures"] = {"seconds": round(time.perf_counter() - started, 1)}
        log(f"search structures built in {report['search_structures']['seconds']} s")
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        report["vacuum_analyze"] = {"seconds": round(time.perf_counter() - started, 1)}
    return report


def _stages():
    from rapport.sales.models import SalesProcess
    from rapport.sales.processes import stages_of

    found = []
    for process in SalesProcess.objects.all():
        stages = list(stages_of(process.pk))
        open_stages = [s for s in stages if s.outcome == "open"]
        won = next((s for s in stages if s.outcome == "won"), None)
        lost = next((s for s in stages if s.outcome == "lost"), None)
        found.append((process, open_stages, won, lost))
    return found


def counts() -> dict[str, int]:
    from rapport.activities.models import Activity
    from rapport.core.search.models import SearchDocument
    from rapport.customers.models import Account, Contact
    from rapport.duplicates.models import MatchKey
    from rapport.sales.models import Lead, Opportunity

    return {"accounts": Account.objects.count(), "contacts": Contact.objects.count(), "leads": Lead.objects.count(),
            "opportunities": Opportunity.objects.count(), "activities": Activity.objects.count(),
            "search documents": SearchDocument.objects.count(), "match keys": MatchKey.objects.count()}
