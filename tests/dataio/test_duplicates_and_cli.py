"""Duplicate handling during import (skip / flag / create) and ``rapport import``."""

import pytest

pytestmark = pytest.mark.django_db

CONTENT = b"topic,last_name,company_name\nNew bid,Wang,Dalian Port\nOther bid,Li,Fresh Co\n"


@pytest.fixture
def fake_detection(monkeypatch):
    """Stands in for ``rapport.duplicates.detect.find_duplicates``: a lead matches one with the same company."""
    from rapport.dataio import engine
    from rapport.duplicates.detect import Match
    from rapport.sales.models import Lead

    def find(entity_set, values, exclude_id=None, user=None):
        found = Lead.objects.filter(company_name__iexact=values.get("company_name", "")).first()
        return [Match("leads", found, "Same company", "warn")] if found else []

    monkeypatch.setattr(engine, "find_duplicates", find)


@pytest.mark.parametrize(("mode", "imported", "skipped", "flagged", "dalian"), [
    ("skip", 1, 1, 0, 1), ("flag", 2, 0, 1, 2), ("create", 2, 0, 0, 2),
])
def test_duplicates_skip_flag_create(importer, create, run_file, fake_detection, mode, imported, skipped, flagged, dalian):
    from rapport.sales.models import Lead

    create(importer, "leads", topic="Old bid", last_name="Zhao", company_name="Dalian Port")
    job = run_file(importer, "leads", CONTENT, duplicates=mode)
    assert (job.rows_imported, job.rows_skipped, job.rows_flagged, job.rows_failed) == (imported, skipped, flagged, 0)
    assert Lead.objects.filter(company_name="Dalian Port").count() == dalian
    kinds = list(job.issues.values_list("row", "kind"))
    assert kinds == ([(2, "skipped")] if mode == "skip" else [(2, "flagged")] if mode == "flag" else [])


def test_a_duplicate_refused_by_the_write_hook_fails_or_skips_the_row(importer, run_file, monkeypatch):
    """Without a pre-check, the write hook's refusal decides: a warn match is skipped, a block match fails."""
    from rapport.core.errors import DuplicateDetected
    from rapport.core.registry import registry
    from rapport.sales.models import Lead

    def hook(phase, spec, record, ctx, operation):
        if phase == "before_save" and spec.set_name == "leads" and record.company_name == "Dalian Port":
            mode = "block" if record.last_name == "Block" else "warn"
            if mode == "block" or not ctx.suppress_duplicate_detection:
                raise DuplicateDetected("A duplicate record was found.", extra={"duplicates": [{"rule_mode": mode}]})

    from rapport.dataio import engine

    monkeypatch.setattr(engine, "find_duplicates", None)
    hooks = registry["write_hooks"]  # a dict of name -> hook
    hooks.add("test-duplicates", hook)
    try:
        content = b"topic,last_name,company_name\nA,Wang,Dalian Port\nB,Block,Dalian Port\nC,Li,Fresh Co\n"
        job = run_file(importer, "leads", content, duplicates="skip")
        assert (job.rows_imported, job.rows_skipped, job.rows_failed) == (1, 1, 1)
        job = run_file(importer, "leads", content.replace(b"Fresh", b"New"), "b.csv", duplicates="create")
        assert (job.rows_imported, job.rows_skipped, job.rows_failed) == (2, 0, 1)  # block rules still refuse
        assert Lead.objects.filter(last_name="Block").count() == 0
    finally:
        hooks.pop("test-duplicates", None)


def test_rapport_import_command(admin, tmp_path, capsys):
    import json

    from rapport.cli import main
    from rapport.sales.models import Lead

    data = tmp_path / "leads.csv"
    data.write_bytes(b"Subject,Surname,Firm,Size\nBid,Wang,Dalian Port,12\nOffer,Li,Li Co,many\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Subject": "topic", "Surname": "last_name", "Firm": "company_name", "Size": "employees"}))
    assert main(["import", "leads", str(data), "--mapping", str(mapping), "--dry-run"]) == 3
    assert Lead.objects.count() == 0
    code = main(["import", "leads", str(data), "--mapping", str(mapping), "--user", "admin"])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    assert "imported 1, failed 1" in captured.out and "row 3 employees" in captured.err
    assert Lead.objects.get().topic == "Bid"
    from rapport.core.models import AuditEntry

    assert AuditEntry.objects.filter(entity="leads", channel="cli").count() == 1
    assert main(["import", "nope", str(data)]) == 1
    assert main(["import", "leads", str(tmp_path / "missing.csv")]) == 1


@pytest.mark.parametrize(("mode", "handling", "imported", "skipped", "flagged", "failed"), [
    ("warn", "skip", 2, 2, 0, 0), ("block", "skip", 2, 2, 0, 0),
    ("warn", "flag", 4, 0, 2, 0), ("block", "create", 2, 0, 0, 2),
])
def test_an_import_checks_rows_under_the_real_rules_including_earlier_rows_of_the_file(
        importer, run_file, create, mode, handling, imported, skipped, flagged, failed):
    """The shipped e-mail rule: a row like an existing lead, and a row like an earlier row of the same file."""
    from rapport.duplicates.models import DuplicateRule
    from rapport.duplicates.shipped import ensure_shipped_rules
    from rapport.sales.models import Lead

    ensure_shipped_rules(active=True)
    DuplicateRule.objects.filter(name="Leads with the same e-mail address").update(mode=mode)
    create(importer, "leads", topic="Old", last_name="Zhou", company_name="Old Co", email="zhou@old.example")
    content = (b"topic,last_name,company_name,email\n"
               b"A,Wang,Dalian Port,ZHOU@old.example\n"      # matches the existing lead
               b"B,Li,Fresh Co,li@fresh.example\n"
               b"C,Li,Fresh Co 2,li@fresh.example\n"          # matches row B of this file
               b"D,Xu,Other Co,xu@other.example\n")
    job = run_file(importer, "leads", content, duplicates=handling)
    assert (job.rows_imported, job.rows_skipped, job.rows_flagged, job.rows_failed) == (imported, skipped, flagged, failed)
    kept = 1 if handling != "flag" else 2
    assert Lead.objects.filter(email__iexact="zhou@old.example").count() == kept
    assert Lead.objects.filter(email="li@fresh.example").count() == kept


def test_an_import_checks_rows_against_each_other_and_indexes_what_it_writes(importer, run_file):
    """Real rules, one batch: a later row that duplicates an earlier one is skipped; the rest is searchable."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.core.entities import get_entity
    from rapport.core.search import quick_find_q
    from rapport.duplicates.detect import entry_check, publish_rule
    from rapport.duplicates.models import DuplicateCondition, DuplicateRule
    from rapport.sales.models import Lead

    rule = DuplicateRule.objects.create(name="Lead like lead", base_entity="leads", matching_entity="leads", mode="warn",
                                        state="active")
    DuplicateCondition.objects.create(rule=rule, base_field="company_name", kind="company_name")
    publish_rule(rule.pk)
    rows = [f"Bid {n},Wang,Gépgyár {n} Zrt,+36 1 555 {n:04d}" for n in range(20)]
    content = "\n".join(["topic,last_name,company_name,phone", "First,Kovács,Északi Bánya Zrt,",
                         *rows, "Second,Tóth,Északi Bánya Kft.,"]).encode()
    with CaptureQueriesContext(connection) as queries:
        job = run_file(importer, "leads", content)
    assert (job.rows_imported, job.rows_skipped, job.rows_failed) == (21, 1, 0)
    skipped = job.issues.get()
    assert skipped.row == 23 and "Kovács" in skipped.message  # the lead of row 2
    # the batch's index entries and match keys go in together, not one statement a row
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert sum('"search_document"' in sql.split("(")[0] for sql in inserts) == 1
    assert sum('"duplicates_matchkey"' in sql.split("(")[0] for sql in inserts) == 1
    spec = get_entity("leads")
    assert list(Lead.objects.filter(quick_find_q(spec, importer, "gépgyár 12")).values_list("topic", flat=True)) == ["Bid 12"]
    assert [m["name"] for m in entry_check(importer, ["leads"], phone="+36 1 555 0003")] == [str(Lead.objects.get(topic="Bid 3"))]
    # the next import is checked against what this one wrote
    job = run_file(importer, "leads", b"topic,last_name,company_name\nThird,Nagy,Gepgyar 5 Zrt.\n", "again.csv")
    assert (job.rows_imported, job.rows_skipped) == (0, 1)
