"""Duplicate detection: company names that must and must not match, rules that warn or block through
the API and the form, the entry check that never reveals another salesperson's record."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.duplicates import normalize as norm
from rapport.duplicates.detect import check_rules, rule_kind
from rapport.duplicates.models import DuplicateCondition, DuplicateRule, MatchKey

PAIRS = Path(__file__).with_name("company_pairs.tsv")


def labelled_pairs():
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b, same = line.split("\t")
            yield a, b, same == "1"


def test_the_labelled_company_names_reach_the_precision_and_recall_targets():
    pairs = list(labelled_pairs())
    assert len(pairs) >= 60
    threshold = DuplicateRule._meta.get_field("similarity").default
    tp = fp = fn = 0
    wrong = []
    for a, b, same in pairs:
        found = norm.similarity(norm.company_text(a), norm.company_text(b)) >= threshold
        tp += found and same
        fp += found and not same
        fn += same and not found
        if found != same:
            wrong.append((a, b, same))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"pairs={len(pairs)} precision={precision:.3f} recall={recall:.3f} wrong={wrong}")
    assert precision >= 0.95, wrong
    assert recall >= 0.9, wrong


@pytest.mark.parametrize("a, b", [
    ("北京华为科技有限公司", "華為科技有限公司"),
    ("ＡＢＣ机械有限公司", "ABC机械"),
    ("广东省深圳市南山区腾讯科技有限公司", "腾讯"),
    ("ООО «Ромашка»", "ромашка"),
    ("Győri Keksz Kft.", "gyori keksz"),
    ("Müller Maschinenbau GmbH & Co. KG", "muller maschinenbau"),
])
def test_company_names_reduce_to_their_core(a, b):
    assert norm.company_core(a) == norm.company_core(b)


def test_a_place_or_legal_form_alone_is_kept_rather_than_emptied():
    assert norm.company_core("北京市") != ""
    assert norm.company_core("Ltd") == "ltd"


def test_phones_compare_national_numbers_and_landlines_without_area_code():
    assert norm.phone_key("+86 10 6234 5678") == norm.phone_key("010-62345678") == norm.phone_key("(010) 6234-5678")
    assert norm.subscriber_key("010-62345678") == norm.subscriber_key("62345678") == "62345678"
    assert norm.phone_key("+36 1 234 5678") != norm.phone_key("+86 1 234 5678")
    assert norm.phone_key("12") == ""


@pytest.fixture
def name_rule(db):
    def make(mode="warn", base="accounts", matching="accounts", base_field="name", matching_field=""):
        rule = DuplicateRule.objects.create(name=f"{base} like {matching} ({mode})", base_entity=base,
                                            matching_entity=matching, mode=mode, state="active")
        DuplicateCondition.objects.create(rule=rule, base_field=base_field, matching_field=matching_field,
                                          kind="company_name")
        from rapport.duplicates.detect import publish_rule

        publish_rule(rule.pk)
        return rule
    return make


def post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_a_warn_rule_answers_409_and_can_be_overridden(admin, api_client, name_rule, create):
    name_rule("warn")
    create(admin, "accounts", name="北京华为科技有限公司")
    client = api_client(admin)
    response = post(client, "/api/v1/accounts/", {"name": "華為科技"})
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/duplicate-detected")
    assert [d["name"] for d in body["duplicates"]] == ["北京华为科技有限公司"]
    assert set(body["duplicates"][0]) >= {"entity", "id", "name", "rule", "owner_display"}
    from rapport.customers.models import Account

    assert Account.objects.count() == 1
    again = post(client, "/api/v1/accounts/", {"name": "華為科技"}, HTTP_RAPPORT_SUPPRESS_DUPLICATE_DETECTION="true")
    assert again.status_code == 201
    assert Account.objects.count() == 2


def test_a_block_rule_cannot_be_overridden(admin, api_client, name_rule, create):
    name_rule("block")
    create(admin, "accounts", name="Westrac China Ltd.")
    client = api_client(admin)
    response = post(client, "/api/v1/accounts/", {"name": "WESTRAC CHINA LIMITED"},
                    HTTP_RAPPORT_SUPPRESS_DUPLICATE_DETECTION="true")
    assert response.status_code == 409
    assert "cannot be saved" in response.json()["detail"]
    other = post(client, "/api/v1/accounts/", {"name": "Westrac Australia Pty"})
    assert other.status_code == 201


def test_renaming_into_a_duplicate_is_refused_but_editing_another_field_is_not(admin, api_client, name_rule, create):
    first = create(admin, "accounts", name="Acme Corporation")
    second = create(admin, "accounts", name="Zenith GmbH")
    name_rule("block")
    client = api_client(admin)
    response = client.patch(f"/api/v1/accounts/{second.pk}/", json.dumps({"name": "ACME Corp."}),
                            content_type="application/json")
    assert response.status_code == 409
    # The existing first record is not re-reported when an unrelated field changes.
    ok = client.patch(f"/api/v1/accounts/{first.pk}/", json.dumps({"city": "Győr"}), content_type="application/json")
    assert ok.status_code == 200


def test_a_lead_is_checked_against_accounts(admin, api_client, name_rule, create):
    name_rule("warn", base="leads", matching="accounts", base_field="company_name", matching_field="name")
    create(admin, "accounts", name="沈阳机床股份有限公司")
    response = post(api_client(admin), "/api/v1/leads/", {"last_name": "王", "company_name": "瀋陽機床廠",
                                                           "topic": "Lathes"})
    assert response.status_code == 409, response.content
    assert response.json()["duplicates"][0]["entity"] == "accounts"


def test_the_form_warns_and_save_anyway_keeps_both(admin, signed_in, name_rule, create):
    name_rule("warn")
    create(admin, "accounts", name="Győri Keksz Kft.")
    client = signed_in(admin)
    response = client.post("/accounts/new/", {"name": "Gyori Keksz", "currency": "USD"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Győri Keksz Kft." in page and "Save anyway" in page
    saved = client.post("/accounts/new/", {"name": "Gyori Keksz", "currency": "USD", "suppress_duplicate_detection": "1"})
    assert saved.status_code == 302
    from rapport.customers.models import Account

    assert Account.objects.filter(name="Gyori Keksz").exists()


def test_the_form_offers_no_override_under_a_block_rule(admin, signed_in, name_rule, create):
    name_rule("block")
    create(admin, "accounts", name="Győri Keksz Kft.")
    client = signed_in(admin)
    response = client.post("/accounts/new/", {"name": "Gyori Keksz", "currency": "USD", "suppress_duplicate_detection": "1"})
    assert response.status_code == 409
    assert "Save anyway" not in response.content.decode()


def test_the_409_hides_a_record_the_caller_may_not_read(alice, bob, api_client, name_rule, create):
    name_rule("warn")
    create(bob, "accounts", name="Pécsi Sörfőzde Zrt.", phone="+36 72 123 456")
    response = post(api_client(alice), "/api/v1/accounts/", {"name": "Pécsi Sörfőzde"})
    assert response.status_code == 409
    [duplicate] = response.json()["duplicates"]
    assert duplicate["id"] is None and duplicate["name"] is None
    assert duplicate["owner_display"] == str(bob)


def test_the_entry_check_finds_by_name_phone_fax_and_email_without_revealing_others(alice, bob, api_client, create):
    mine = create(alice, "accounts", name="大连重工机械有限公司", phone="0411-86852802")
    theirs = create(bob, "accounts", name="北京华为科技有限公司", fax="010-62345678", email="sales@huawei.example",
                    description="secret terms")
    client = api_client(alice)
    by_name = client.get("/api/v1/duplicate-check/", {"entity": "accounts", "name": "华为"}).json()["matches"]
    assert by_name == [{"entity": "accounts", "id": None, "name": "北京华为科技有限公司",
                        "owner_display": str(bob), "pool": "other_user",
                        "rule": by_name[0]["rule"]}]
    by_fax = client.get("/api/v1/duplicate-check/", {"fax": "62345678"}).json()["matches"]
    assert [m["name"] for m in by_fax] == ["北京华为科技有限公司"] and by_fax[0]["id"] is None
    by_email = client.get("/api/v1/duplicate-check/", {"email": "SALES@huawei.example"}).json()["matches"]
    assert [m["rule"] for m in by_email] == ["email"]
    by_phone = client.get("/api/v1/duplicate-check/", {"phone": "+86 411 8685 2802"}).json()["matches"]
    assert by_phone == [{"entity": "accounts", "id": str(mine.pk), "name": mine.name,
                         "owner_display": str(alice), "pool": "mine", "rule": "phone"}]
    assert str(theirs.pk) not in json.dumps(by_name + by_fax + by_email)
    assert "secret" not in json.dumps(by_name + by_fax + by_email)


def test_the_entry_check_refuses_unknown_parameters_and_empty_checks(alice, api_client):
    client = api_client(alice)
    assert client.get("/api/v1/duplicate-check/", {"nme": "x"}).status_code == 400
    assert client.get("/api/v1/duplicate-check/", {"entity": "opportunities", "name": "x"}).status_code == 400
    assert client.get("/api/v1/duplicate-check/").status_code == 400


def test_the_entry_check_page_lists_matches_with_where_they_sit(alice, bob, signed_in, create):
    create(bob, "accounts", name="Tokaji Borház Bt.")
    page = signed_in(alice).get("/duplicates/check/", {"name": "Tokaji Borház"}).content.decode()
    assert "Tokaji Borház Bt." in page and "Another salesperson" in page
    assert 'data-pool="other_user"' in page


def test_keys_follow_every_write_and_checking_is_an_index_probe(admin, name_rule, create, ctx):
    from rapport.core.actions.crud import delete_record, update_record
    from rapport.core.entities import get_entity

    rule = name_rule("warn")
    spec = get_entity("accounts")
    account = create(admin, "accounts", name="Komatsu Ltd.", phone="010-62345678")
    assert MatchKey.objects.filter(record_id=account.pk, kind="phone").exists()
    assert MatchKey.objects.filter(record_id=account.pk, kind=rule_kind(rule.pk), key="=komatsu").exists()
    c = ctx(admin)
    c.suppress_duplicate_detection = True
    for i in range(30):
        create(admin, "accounts", name=f"Filler {i:02d} Kft.")
    update_record(spec, account.pk, {"name": "Kubota Corporation"}, c)
    assert not MatchKey.objects.filter(record_id=account.pk, key="=komatsu").exists()
    with CaptureQueriesContext(connection) as queries:
        found = check_rules("accounts", {"name": "KUBOTA CORP"})
    assert [m.name for m in found] == ["Kubota Corporation"]
    assert len(queries) <= 6  # the rules, their conditions, one probe a key (≤3), the records — not one per account
    delete_record(spec, account.pk, c)
    assert not MatchKey.objects.filter(record_id=account.pk).exists()


def test_activating_a_rule_publishes_it_over_existing_records(admin, api_client, create):
    create(admin, "accounts", name="Liebherr-International AG")
    from rapport.duplicates.shipped import ensure_shipped_rules

    ensure_shipped_rules()
    rule = DuplicateRule.objects.get(name="Accounts with the same company name")
    assert rule.state == "inactive"
    client = api_client(admin)
    assert post(client, f"/api/v1/duplicate-rules/{rule.pk}/activate/", {}).status_code == 200
    assert post(client, "/api/v1/accounts/", {"name": "Liebherr International"}).status_code == 409


def test_a_rule_condition_names_real_fields(admin, api_client):
    client = api_client(admin)
    rule = post(client, "/api/v1/duplicate-rules/", {"name": "Same city", "base_entity": "accounts",
                                                     "matching_entity": "accounts"}).json()
    bad = post(client, "/api/v1/duplicate-rule-conditions/", {"rule": rule["id"], "base_field": "nonsense",
                                                              "kind": "exact"})
    assert bad.status_code == 400 and "base_field" in bad.json()["errors"]
    no_length = post(client, "/api/v1/duplicate-rule-conditions/", {"rule": rule["id"], "base_field": "city",
                                                                    "kind": "first"})
    assert no_length.status_code == 400 and "length" in no_length.json()["errors"]
    ok = post(client, "/api/v1/duplicate-rule-conditions/", {"rule": rule["id"], "base_field": "city",
                                                             "kind": "first", "length": 3})
    assert ok.status_code == 201


def test_a_bulk_job_lists_the_duplicate_sets(admin, name_rule, create, ctx):
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.duplicates.jobs import run_job
    from rapport.duplicates.models import DuplicateJob

    c = ctx(admin)
    c.suppress_duplicate_detection = True
    for name in ["ООО «Ромашка»", "Ромашка ООО", "ООО «Лютик»", "Лютик", "Single Kft."]:
        create_record(get_entity("accounts"), {"name": name}, c)
    name_rule("warn")
    job = DuplicateJob.objects.create(entity="accounts", user=admin)
    assert run_job(job.pk) == 2
    job.refresh_from_db()
    assert job.records_checked == 5
    assert sorted(len(s["ids"]) for s in job.sets) == [2, 2]


def test_merging_duplicates_is_not_stopped_by_a_warn_rule(admin, api_client, name_rule, ctx):
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    c = ctx(admin)
    c.suppress_duplicate_detection = True
    spec = get_entity("accounts")
    master = create_record(spec, {"name": "Komatsu Ltd."}, c).record
    subordinate = create_record(spec, {"name": "Komatsu Limited"}, c).record
    create_record(spec, {"name": "KOMATSU"}, c)
    name_rule("warn")
    response = post(api_client(admin), f"/api/v1/accounts/{master.pk}/merge/",
                    {"subordinate": str(subordinate.pk), "fields": {"name": "subordinate"}})
    assert response.status_code == 200, response.content
    assert response.json()["record"]["name"] == "Komatsu Limited"


def test_a_large_block_never_crowds_out_the_exact_name(admin, name_rule, ctx, monkeypatch):
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.duplicates import detect

    monkeypatch.setattr(detect, "CANDIDATES", 5)
    c = ctx(admin)
    c.suppress_duplicate_detection = True
    spec = get_entity("accounts")
    name_rule("warn")
    for i in range(8):  # the same first three letters: one big block
        create_record(spec, {"name": f"Zen{chr(97 + i)}ith Works {i}"}, c)
    create_record(spec, {"name": "Zenn Kft."}, c)
    assert [m.name for m in check_rules("accounts", {"name": "ZENN Ltd"})] == ["Zenn Kft."]


def test_a_batch_answers_from_its_own_keys_and_forgets_a_rolled_back_write(admin, name_rule, ctx):
    """An import's batch defers its match keys to its end; its own checks still see them, minus rolled-back rows."""
    from django.db import transaction

    from rapport.core.actions.base import deferred_writes
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    spec, c = get_entity("accounts"), ctx(admin)
    rule = name_rule("warn")
    with transaction.atomic(), deferred_writes() as batch:
        first = create_record(spec, {"name": "Északi Bánya Zrt"}, c).record
        assert not MatchKey.objects.filter(record_id=first.pk).exists()  # deferred to the batch's end
        assert [m.name for m in check_rules("accounts", {"name": "Északi Bánya Kft."})] == ["Északi Bánya Zrt"]
        mark = batch.mark()
        with pytest.raises(RuntimeError), transaction.atomic():
            create_record(spec, {"name": "Déli Gépgyár Kft"}, c)
            raise RuntimeError("the row fails after its insert")
        batch.rollback_to(mark)  # what the import does when a row's savepoint rolls back
        assert check_rules("accounts", {"name": "Déli Gépgyár Bt"}) == []
        batch.flush()
    assert MatchKey.objects.filter(record_id=first.pk, kind=rule_kind(rule.pk)).exists()
    assert [m.name for m in check_rules("accounts", {"name": "Északi Bánya Bt"})] == ["Északi Bánya Zrt"]


@pytest.mark.parametrize("exclude_inactive", [True, False])
def test_a_rule_that_excludes_inactive_records_does_not_match_them(admin, name_rule, create, ctx, exclude_inactive):
    from rapport.core.actions.base import run_action

    active = create(admin, "accounts", name="Dunai Hajózás Zrt")
    closed = create(admin, "accounts", name="Dunai Hajózás Kft")
    run_action("accounts", closed.pk, "deactivate", ctx(admin), {})
    rule = name_rule("warn")  # published over the records there are
    DuplicateRule.objects.filter(pk=rule.pk).update(exclude_inactive=exclude_inactive)
    found = {m.name for m in check_rules("accounts", {"name": "Dunai Hajózás Bt"})}
    assert found == ({str(active)} if exclude_inactive else {str(active), str(closed)})
