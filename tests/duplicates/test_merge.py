"""Merging accounts, contacts and leads, and undoing it (PLT-16): API, refusals, audit, pages."""

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db

JSON = "application/json"


def ref(set_name, record):
    return {"entity": set_name, "id": str(record.pk)}


def problem(response):
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return response.json()


@pytest.fixture
def merge_api(api_client):
    def post(user, set_name, master, subordinate, fields=None):
        body = {"subordinate": str(getattr(subordinate, "pk", subordinate))}
        if fields is not None:
            body["fields"] = fields
        return api_client(user).post(f"/api/v1/{set_name}/{getattr(master, 'pk', master)}/merge/", body, content_type=JSON)

    return post


def references(*records):
    """Every reference column of every record given: {(model, pk): {column: value}} (for exact comparisons)."""
    result = {}
    for record in records:
        record.refresh_from_db()
        columns = {}
        for field in record._meta.concrete_fields:
            if field.is_relation or field.attname.endswith(("_entity", "regarding_id", "record1_id", "record2_id")):
                columns[field.attname] = getattr(record, field.attname)
        result[(type(record).__name__, record.pk)] = columns
    return result


@pytest.fixture
def account_family(admin, create):
    """Two duplicate accounts; the subordinate has one child of every kind, the master one contact."""
    master = create(admin, "accounts", name="Dalian Port Works", phone="+86 411 1111", city="")
    subordinate = create(admin, "accounts", name="Dalian Port Works Ltd.", phone="+86 411 2222", city="Dalian",
                         website="https://dpw.example", industry="logistics")
    bystander = create(admin, "contacts", last_name="Outsider")
    children = {
        "own_contact": create(admin, "contacts", last_name="Wang", account=str(master.pk)),
        "contact": create(admin, "contacts", last_name="Li", account=str(subordinate.pk)),
        "sub_account": create(admin, "accounts", name="Dalian Port Works Harbour", parent_account=str(subordinate.pk)),
        "opportunity": create(admin, "opportunities", topic="Port loaders", customer=str(subordinate.pk)),
        "task": create(admin, "tasks", subject="Call back", regarding=ref("accounts", subordinate)),
        "phone_call": create(admin, "phone-calls", subject="First call", regarding=ref("accounts", subordinate)),
        "note": create(admin, "notes", title="Visit", text="Met the buyer", regarding=ref("accounts", subordinate)),
        "connection": create(admin, "connections", record1=ref("accounts", subordinate),
                             record2=ref("contacts", bystander), role1="customer", role2="employee"),
        "reverse_connection": create(admin, "connections", record1=ref("contacts", bystander),
                                     record2=ref("accounts", subordinate), role1="employee", role2="customer"),
        "between": create(admin, "connections", record1=ref("accounts", master), record2=ref("accounts", subordinate),
                          role1="partner", role2="partner"),
    }
    return master, subordinate, children


def test_merging_two_accounts_moves_every_child_and_the_chosen_values_and_undo_restores_all(
        admin, api_client, merge_api, account_family):
    from rapport.core.models import AuditEntry, OutboxEvent
    from rapport.customers.models import Account
    from rapport.duplicates.models import Merge

    master, subordinate, children = account_family
    before = references(master, subordinate, *children.values())
    master_before = {name: getattr(Account.objects.get(pk=master.pk), name) for name in ("name", "phone", "city", "website", "industry")}

    response = merge_api(admin, "accounts", master, subordinate, {"city": "subordinate", "website": "subordinate",
                                                                   "phone": "master"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["record"]["id"] == str(master.pk)
    assert (body["record"]["city"], body["record"]["website"]) == ("Dalian", "https://dpw.example")
    assert body["record"]["phone"] == "+86 411 1111" and body["record"]["name"] == "Dalian Port Works"
    assert body["record"]["industry"] in (None, "")  # not named: the master's (empty) value stays
    merge = Merge.objects.get(pk=body["merge"])
    assert merge.master_id == master.pk and merge.subordinate_id == subordinate.pk

    # every child of the subordinate is now the master's
    for key in ("contact", "sub_account", "opportunity", "task", "phone_call", "note", "connection", "reverse_connection"):
        children[key].refresh_from_db()
    assert children["contact"].account_id == master.pk
    assert children["sub_account"].parent_account_id == master.pk
    assert children["opportunity"].customer_account_id == master.pk
    assert children["task"].regarding_id == master.pk and children["phone_call"].regarding_id == master.pk
    assert children["note"].regarding_id == master.pk
    assert children["connection"].record1_id == master.pk
    assert children["reverse_connection"].record2_id == master.pk
    # …but a connection between the two records is not turned into one of the master with itself
    assert references(children["between"]) == {k: v for k, v in before.items() if k[1] == children["between"].pk}
    moved = {(item["entity"], item["column"]): set(item["ids"]) for item in merge.moved}
    assert moved[("contacts", "account_id")] == {str(children["contact"].pk)}
    assert moved[("activities", "regarding_id")] == {str(children["task"].pk), str(children["phone_call"].pk)}
    assert moved[("connections", "record1_id")] == {str(children["connection"].pk)}

    # the API shows the children under the master
    client = api_client(admin)
    contacts = client.get(f"/api/v1/contacts/?account={master.pk}").json()["results"]
    assert {c["id"] for c in contacts} == {str(children["own_contact"].pk), str(children["contact"].pk)}

    # the subordinate is deactivated as a duplicate and linked to the master in its history
    subordinate.refresh_from_db()
    assert (subordinate.state, subordinate.status_reason) == ("inactive", "duplicate")
    merge_entry = AuditEntry.objects.get(entity="accounts", record_id=master.pk, action="merge")
    assert merge_entry.changes["city"] == ["", "Dalian"] and merge_entry.changes["subordinate"] == [None, str(subordinate.pk)]
    assert "phone" not in merge_entry.changes
    state_entry = AuditEntry.objects.filter(entity="accounts", record_id=subordinate.pk, action="state").get()
    assert state_entry.changes["state"] == ["active", "inactive"] and state_entry.changes["master"] == [None, str(master.pk)]
    history = client.get(f"/api/v1/accounts/{master.pk}/audit/").json()["results"]
    assert history[0]["action"] == "merge" and history[0]["changes"]["website"] == ["", "https://dpw.example"]
    assert OutboxEvent.objects.filter(event_type="accounts.merged", record_id=master.pk).exists()

    # a merged (inactive) record cannot be merged again
    refused = merge_api(admin, "accounts", master, subordinate)
    assert refused.status_code == 400 and problem(refused)["type"] == "/api/v1/problems/invalid-state"

    # undo puts back exactly what the merge changed
    undo = client.post(f"/api/v1/merges/{merge.pk}/undo/", {}, content_type=JSON)
    assert undo.status_code == 200, undo.content
    assert undo.json()["record"]["city"] == "" and undo.json()["record"]["website"] == ""
    assert references(master, subordinate, *children.values()) == before
    assert {name: getattr(Account.objects.get(pk=master.pk), name) for name in master_before} == master_before
    subordinate.refresh_from_db()
    assert (subordinate.state, subordinate.status_reason) == ("active", "")
    merge.refresh_from_db()
    assert merge.undone_on is not None and merge.undone_by_id == admin.pk
    undo_entry = AuditEntry.objects.get(entity="accounts", record_id=master.pk, action="merge-undo")
    assert undo_entry.changes["city"] == ["Dalian", ""]
    # …once
    again = client.post(f"/api/v1/merges/{merge.pk}/undo/", {}, content_type=JSON)
    assert again.status_code == 400 and problem(again)["type"] == "/api/v1/problems/invalid-state"
    # and the records can be merged again after an undo
    assert merge_api(admin, "accounts", master, subordinate).status_code == 200


def test_merge_refusals_change_nothing(alice, bob, admin, create, merge_api, grant, api_client):
    from rapport.customers.models import Account
    from rapport.duplicates.models import Merge

    mine = create(alice, "accounts", name="Alföldi Útépítő Kft.")
    also_mine = create(alice, "accounts", name="Alföldi Útépítő")
    theirs = create(bob, "accounts", name="Bob's Alföldi")
    child = create(alice, "contacts", last_name="Kiss", account=str(also_mine.pk))

    # a salesperson has no merge privilege: 403
    response = merge_api(alice, "accounts", mine, also_mine)
    assert response.status_code == 403 and problem(response)["type"] == "/api/v1/problems/permission-denied"
    grant(alice, "merge")
    # a subordinate the caller may not read: 404 (as for a missing one), also as the master
    response = merge_api(alice, "accounts", mine, theirs)
    assert response.status_code == 404 and problem(response)["type"] == "/api/v1/problems/not-found"
    assert merge_api(alice, "accounts", theirs, mine).status_code == 404
    assert merge_api(alice, "accounts", mine, "6f1c1d52-9d2b-4e8a-9c53-0d7f1f0f7a11").status_code == 404
    # the same record twice: 400
    response = merge_api(alice, "accounts", mine, mine)
    assert response.status_code == 400 and "subordinate" in problem(response)["errors"]
    # no subordinate, or not an id: 400 naming it
    client = api_client(alice)
    for body in ({}, {"subordinate": "junk"}, {"subordinate": str(also_mine.pk), "extra": 1}):
        response = client.post(f"/api/v1/accounts/{mine.pk}/merge/", body, content_type=JSON)
        assert response.status_code == 400, body
        assert set(problem(response)["errors"]) & {"subordinate", "extra"}
    # unknown and read-only fields: 400 naming the field
    response = merge_api(alice, "accounts", mine, also_mine, {"nope": "subordinate", "state": "subordinate",
                                                              "owner": "subordinate", "city": "theirs"})
    body = problem(response)
    assert response.status_code == 400
    assert body["codes"] == {"fields.nope": ["unknown-field"], "fields.state": ["read-only"],
                             "fields.owner": ["read-only"], "fields.city": ["invalid"]}
    # other sets cannot be merged
    opportunity = create(alice, "opportunities", topic="Graders", customer=str(mine.pk))
    other = create(alice, "opportunities", topic="Graders 2", customer=str(mine.pk))
    assert client.post(f"/api/v1/opportunities/{opportunity.pk}/merge/", {"subordinate": str(other.pk)},
                       content_type=JSON).status_code == 404
    # nothing changed by any of these
    assert not Merge.objects.exists()
    assert set(Account.objects.values_list("state", flat=True)) == {"active"}
    child.refresh_from_db()
    assert child.account_id == also_mine.pk
    # an unauthenticated caller: 401
    assert api_client().post(f"/api/v1/accounts/{mine.pk}/merge/", {"subordinate": str(also_mine.pk)},
                             content_type=JSON).status_code == 401


def test_merge_needs_write_on_both_records(alice, bob, create, merge_api, grant, ctx):
    from rapport.core.actions.base import run_action

    mine = create(alice, "accounts", name="Mine")
    shared = create(bob, "accounts", name="Shared for reading")
    run_action("accounts", shared.pk, "share", ctx(bob), {"principal": str(alice.pk), "rights": ["read"]})
    grant(alice, "merge")
    response = merge_api(alice, "accounts", mine, shared)
    assert response.status_code == 403 and problem(response)["type"] == "/api/v1/problems/permission-denied"


def test_undo_refusals(admin, alice, create, merge_api, grant, api_client, settings):
    from rapport.duplicates.models import Merge

    master = create(admin, "accounts", name="North")
    subordinate = create(admin, "accounts", name="North Ltd")
    merge_id = merge_api(admin, "accounts", master, subordinate).json()["merge"]
    # unknown merge: 404; a master the caller may not read: 404
    assert api_client(admin).post("/api/v1/merges/6f1c1d52-9d2b-4e8a-9c53-0d7f1f0f7a11/undo/", {},
                                  content_type=JSON).status_code == 404
    grant(alice, "merge")
    assert api_client(alice).post(f"/api/v1/merges/{merge_id}/undo/", {}, content_type=JSON).status_code == 404
    # too old: the retention period is a setting
    Merge.objects.filter(pk=merge_id).update(occurred_on=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    response = api_client(admin).post(f"/api/v1/merges/{merge_id}/undo/", {}, content_type=JSON)
    assert response.status_code == 400 and problem(response)["type"] == "/api/v1/problems/invalid-state"
    settings.RAPPORT_MERGE_UNDO_DAYS = 60
    assert api_client(admin).post(f"/api/v1/merges/{merge_id}/undo/", {}, content_type=JSON).status_code == 200


def test_undo_needs_the_merge_privilege(alice, create, merge_api, grant, api_client):
    from rapport.security.models import Role

    grant(alice, "merge")
    master = create(alice, "accounts", name="South")
    subordinate = create(alice, "accounts", name="South Ltd")
    merge_id = merge_api(alice, "accounts", master, subordinate).json()["merge"]
    for role in Role.objects.filter(users=alice):
        role.misc_privileges = [m for m in role.misc_privileges if m != "merge"]
        role.save()
    response = api_client(alice).post(f"/api/v1/merges/{merge_id}/undo/", {}, content_type=JSON)
    assert response.status_code == 403


def test_merging_contacts_moves_their_references(admin, create, merge_api, api_client):
    master = create(admin, "contacts", first_name="Wei", last_name="Wang", email="")
    subordinate = create(admin, "contacts", first_name="W.", last_name="Wang", email="wang@dpw.example")
    account = create(admin, "accounts", name="Dalian Port Works", primary_contact=str(subordinate.pk))
    opportunity = create(admin, "opportunities", topic="Cranes", customer=str(subordinate.pk), contact=str(subordinate.pk))
    meeting = create(admin, "meetings", subject="Kick-off", regarding=ref("contacts", subordinate))
    assert merge_api(admin, "contacts", master, subordinate, {"full_name": "subordinate"}).status_code == 400
    response = merge_api(admin, "contacts", master, subordinate, {"email": "subordinate"})
    assert response.status_code == 200, response.content
    assert response.json()["record"]["email"] == "wang@dpw.example"
    for record in (account, opportunity, meeting, subordinate):
        record.refresh_from_db()
    assert account.primary_contact_id == master.pk
    assert opportunity.customer_contact_id == master.pk and opportunity.contact_id == master.pk
    assert meeting.regarding_id == master.pk
    assert subordinate.state == "inactive"
    undo = api_client(admin).post(f"/api/v1/merges/{response.json()['merge']}/undo/", {}, content_type=JSON)
    assert undo.status_code == 200
    for record in (account, opportunity, meeting, subordinate):
        record.refresh_from_db()
    assert account.primary_contact_id == subordinate.pk and opportunity.contact_id == subordinate.pk
    assert opportunity.customer_contact_id == subordinate.pk and meeting.regarding_id == subordinate.pk
    assert subordinate.state == "active" and undo.json()["record"]["email"] == ""


def test_merging_leads_disqualifies_the_subordinate_as_a_duplicate(admin, create, merge_api, api_client):
    from rapport.core.models import Note

    master = create(admin, "leads", topic="Graders", last_name="Nagy", company_name="Alföldi")
    subordinate = create(admin, "leads", topic="Two graders", last_name="Nagy", company_name="Alföldi Kft.",
                         rating="hot")
    note = create(admin, "notes", title="Trade show", regarding=ref("leads", subordinate))
    opportunity = create(admin, "opportunities", topic="Graders", customer=str(create(admin, "accounts", name="A").pk),
                         originating_lead=str(subordinate.pk))
    previous = (subordinate.state, subordinate.status_reason)
    response = merge_api(admin, "leads", master, subordinate, {"rating": "subordinate", "company_name": "subordinate"})
    assert response.status_code == 200, response.content
    assert response.json()["record"]["rating"] == "hot"
    subordinate.refresh_from_db()
    opportunity.refresh_from_db()
    assert (subordinate.state, subordinate.status_reason) == ("disqualified", "duplicate")
    assert Note.objects.get(pk=note.pk).regarding_id == master.pk and opportunity.originating_lead_id == master.pk
    assert api_client(admin).post(f"/api/v1/merges/{response.json()['merge']}/undo/", {}, content_type=JSON).status_code == 200
    subordinate.refresh_from_db()
    opportunity.refresh_from_db()
    assert (subordinate.state, subordinate.status_reason) == previous
    assert Note.objects.get(pk=note.pk).regarding_id == subordinate.pk and opportunity.originating_lead_id == subordinate.pk


def test_merge_keeps_the_search_index_and_hierarchy_right(admin, create, merge_api):
    from rapport.core.search.service import global_search

    grandparent = create(admin, "accounts", name="Holding")
    subordinate = create(admin, "accounts", name="Zhongshan Trading", parent_account=str(grandparent.pk))
    # the master sits below the subordinate: it must not end up as its own ancestor
    middle = create(admin, "accounts", name="Middle", parent_account=str(subordinate.pk))
    master = create(admin, "accounts", name="Zhongshan Co", parent_account=str(middle.pk))
    response = merge_api(admin, "accounts", master, subordinate, {"name": "subordinate"})
    assert response.status_code == 200, response.content
    middle.refresh_from_db()
    assert middle.parent_account_id == subordinate.pk  # left where it was, no loop
    # the master's index entry follows its new name
    assert str(master.pk) in {r["id"] for r in global_search(admin, "Zhongshan Trading", ["accounts"])}
    assert global_search(admin, "Zhongshan Co", ["accounts"]) == []


def test_merge_pages_and_undo_from_the_audit_history(admin, alice, create, signed_in):
    from rapport.duplicates.models import Merge

    master = create(admin, "accounts", name="Dalian Port Works", city="")
    subordinate = create(admin, "accounts", name="Dalian Port Works Ltd.", city="Dalian")
    contact = create(admin, "contacts", last_name="Li", account=str(subordinate.pk))
    client = signed_in(admin)
    # the list offers "Merge" to holders of the privilege only
    assert 'formaction="/accounts/merge/"' in client.get("/accounts/").content.decode()
    assert 'formaction="/accounts/merge/"' not in signed_in(alice).get("/accounts/").content.decode()
    assert 'formaction="/opportunities/merge/"' not in client.get("/opportunities/").content.decode()
    # the list's selection: exactly two records
    response = client.post("/accounts/merge/", {"ids": [str(master.pk)], "next": "/accounts/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    response = client.post("/accounts/merge/", {"ids": [str(master.pk), str(subordinate.pk)], "next": "/accounts/"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/merge/?ids=")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dalian Port Works Ltd." in text and 'name="field-city"' in text and 'name="master"' in text
    # alice may not merge: the page is refused
    assert signed_in(alice).get(response["Location"]).status_code in (403, 404)
    # merge, keeping the master and the subordinate's city
    done = client.post("/accounts/merge/", {"confirmed": "1", "ids": f"{master.pk},{subordinate.pk}", "next": "/accounts/",
                                            "master": str(master.pk), "field-city": str(subordinate.pk),
                                            "field-name": str(master.pk)})
    assert done.status_code == 302 and done["Location"] == f"/accounts/{master.pk}/"
    master.refresh_from_db()
    contact.refresh_from_db()
    assert master.city == "Dalian" and master.name == "Dalian Port Works" and contact.account_id == master.pk
    assert "was merged into" in client.get(done["Location"]).content.decode()
    merge = Merge.objects.get()
    # the master's history offers "Undo merge"; the subordinate's names the master
    history = client.get(f"/accounts/{master.pk}/audit/", headers={"HX-Request": "true"}).content.decode()
    assert f'action="/merges/{merge.pk}/undo/"' in history and "Undo merge" in history
    assert "Dalian Port Works Ltd." in history
    sub_history = client.get(f"/accounts/{subordinate.pk}/audit/", headers={"HX-Request": "true"}).content.decode()
    assert "Merged into" in sub_history
    # merging a merged record again is refused on the page
    again = client.get(f"/accounts/merge/?ids={master.pk},{subordinate.pk}")
    assert again.status_code == 200 and 'id="merge-submit"' not in again.content.decode()
    undone = client.post(f"/merges/{merge.pk}/undo/")
    assert undone.status_code == 302 and undone["Location"] == f"/accounts/{master.pk}/"
    master.refresh_from_db()
    contact.refresh_from_db()
    assert master.city == "" and contact.account_id == subordinate.pk
    history = client.get(f"/accounts/{master.pk}/audit/", headers={"HX-Request": "true"}).content.decode()
    assert "Undo merge" not in history and "Merge undone" in history
