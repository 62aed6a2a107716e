"""Only readable records, and an index that follows every committed write (PLT-6)."""

import pytest
from django.db import transaction

from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import delete_record, update_record
from rapport.core.entities import get_entity
from rapport.core.search.models import SearchDocument, SearchGram
from rapport.core.search.service import global_search

pytestmark = pytest.mark.django_db


def test_an_unreadable_record_never_appears_nor_in_counts_or_snippets(alice, bob, make_account, quick_find, api_client):
    make_account(alice, "北京华为科技有限公司", city="秘密城市华为")
    mine = make_account(bob, "深圳华为电子有限公司")
    assert quick_find(bob, "华为") == {"深圳华为电子有限公司"}
    assert quick_find(bob, "北京") == set()
    assert quick_find(bob, "秘密") == set()

    listing = api_client(bob).get("/api/v1/accounts/", {"q": "華為", "count": "true"}).json()
    assert listing["count"] == 1
    assert [row["id"] for row in listing["results"]] == [str(mine.pk)]

    body = api_client(bob).get("/api/v1/search/", {"q": "华为"}).content.decode()
    assert "北京" not in body and "秘密" not in body
    results = global_search(bob, "华为")
    assert [r["id"] for r in results] == [str(mine.pk)]
    assert global_search(bob, "秘密城市") == []
    # Alice reads her own, with the snippet from the field that matched.
    hits = global_search(alice, "秘密")
    assert len(hits) == 1 and "秘密城市华为" in hits[0]["snippet"]


def test_a_write_is_searchable_as_soon_as_it_commits(alice, make_account, quick_find):
    record = make_account(alice, "Contoso Mining")
    assert quick_find(alice, "contoso") == {"Contoso Mining"}
    update_record(get_entity("accounts"), record.pk, {"name": "长城重工有限公司"}, ActionContext(user=alice, channel="api"))
    assert quick_find(alice, "contoso") == set()
    assert quick_find(alice, "长城") == {"长城重工有限公司"}
    assert quick_find(alice, "長城重工") == {"长城重工有限公司"}
    document = SearchDocument.objects.get(record_id=record.pk)
    assert set(SearchGram.objects.filter(document_id=document.id).values_list("gram", flat=True)) >= {"长城", "重工", "长"}


def test_a_deleted_record_disappears_with_its_index_entries(alice, make_account, quick_find):
    record = make_account(alice, "北京华为科技有限公司")
    delete_record(get_entity("accounts"), record.pk, ActionContext(user=alice, channel="api"))
    assert quick_find(alice, "华为") == set()
    assert global_search(alice, "华为") == []
    assert not SearchDocument.objects.filter(record_id=record.pk).exists()
    assert not SearchGram.objects.filter(gram__in=["华为", "北京", "华"]).exists()


def test_the_index_rolls_back_with_the_write(alice, make_account, quick_find):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_account(alice, "北京华为科技有限公司")
        assert quick_find(alice, "华为") == {"北京华为科技有限公司"}  # visible inside its own transaction
        raise RuntimeError("roll back")
    assert quick_find(alice, "华为") == set()
    assert not SearchDocument.objects.filter(entity="accounts").exists()
    assert not SearchGram.objects.filter(gram="华为").exists()


def test_notes_deleted_with_their_record_leave_the_index(alice, make_account):
    from rapport.core.actions.crud import create_record

    account = make_account(alice, "Northwind Traders")
    create_record(get_entity("notes"), {"regarding": {"entity": "accounts", "id": str(account.pk)},
                                        "title": "Quarterly review", "text": "华为 pricing"},
                  ActionContext(user=alice, channel="api"))
    assert SearchDocument.objects.filter(entity="notes").count() == 1
    assert [r["entity"] for r in global_search(alice, "quarterly", ["notes"])] == ["notes"]
    delete_record(get_entity("accounts"), account.pk, ActionContext(user=alice, channel="api"))
    assert not SearchDocument.objects.filter(entity__in=["accounts", "notes"]).exists()


def test_rebuild_indexes_bulk_loaded_records_and_writes_are_maintained_after_it(alice, make_account, quick_find):
    from rapport.core.actions.crud import set_owner
    from rapport.core.search.service import rebuild_index
    from rapport.customers.models import Account

    make_account(alice, "Contoso Mining")
    bulk = []
    for name in ("臺北遠大機械股份有限公司", "Győri Kft."):
        account = Account(name=name)
        set_owner(account, alice)
        bulk.append(account)
    Account.objects.bulk_create(bulk)  # a bulk path: no write hooks
    assert quick_find(alice, "远大") == set()
    counts = rebuild_index(batch_size=1)
    assert counts["accounts"] == 3
    assert quick_find(alice, "远大") == {"臺北遠大機械股份有限公司"}
    assert quick_find(alice, "gyori") == {"Győri Kft."}
    assert quick_find(alice, "contoso") == {"Contoso Mining"}
    # The trigram structures are back: a write after the rebuild is found by substring too.
    make_account(alice, "Fabrikam Holdings")
    assert quick_find(alice, "brikam") == {"Fabrikam Holdings"}
    assert rebuild_index(["accounts"]) == {"accounts": 4}
    assert quick_find(alice, "brikam") == {"Fabrikam Holdings"}
    assert SearchDocument.objects.filter(entity="accounts").count() == 4


def test_the_rebuild_command_reports_what_it_indexed(alice, make_account):
    from io import StringIO

    from django.core.management import CommandError, call_command

    make_account(alice, "北京华为科技有限公司")
    out = StringIO()
    call_command("rebuild_search_index", "accounts", stdout=out)
    assert "accounts: 1 records" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("rebuild_search_index", "spaceships", stdout=out)


def test_a_match_in_a_field_the_user_may_not_read_does_not_count(alice, make_account, quick_find):
    from rapport.security.models import FieldSecurityProfile

    make_account(alice, "Northwind Traders", city="秘密城市")
    FieldSecurityProfile.objects.create(name="Secret cities", fields={"accounts.city": {"read": True, "update": True}})
    alice.forget_security_cache()
    assert quick_find(alice, "秘密") == set()
    assert quick_find(alice, "秘密城市") == set()
    assert global_search(alice, "秘密") == []
    assert quick_find(alice, "northwind") == {"Northwind Traders"}
    assert [r["snippet"] for r in global_search(alice, "northwind")] == ["Northwind Traders"]
