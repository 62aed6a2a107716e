"""The import wizard, the list's export/print tools and the bulk edit dialog (Django test client)."""

import io

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client():
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_wizard_upload_mapping_values_options_result(importer, browser_client):
    from rapport.dataio.engine import run_import
    from rapport.dataio.models import Import
    from rapport.sales.models import Lead

    client = browser_client(importer)
    assert client.get("/imports/new/?entity=leads").status_code == 200
    upload = io.BytesIO(b"Subject,Surname,Firm,Temperature\nBid,Wang,Dalian Port,Very hot\nOffer,Li,Li Co,hot\n")
    upload.name = "leads.csv"
    response = client.post("/imports/new/", {"entity": "leads", "file": upload})
    assert response.status_code == 302, response.content.decode()[:500]
    job = Import.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/mapping/"
    page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert "Dalian Port" in page  # first values are shown
    # nothing required mapped: refused with the reason
    response = client.post(f"/imports/{job.pk}/mapping/", {"col-0": "topic"})
    assert response.status_code == 400 and "required" in response.content.decode()
    response = client.post(f"/imports/{job.pk}/mapping/", {"col-0": "topic", "col-1": "last_name", "col-2": "company_name",
                                                           "col-3": "rating"})
    assert response["Location"] == f"/imports/{job.pk}/values/"
    page = client.get(f"/imports/{job.pk}/values/").content.decode()
    assert "Very hot" in page and "v-rating-0" in page and "Offer" not in page
    response = client.post(f"/imports/{job.pk}/values/", {"v-rating-0": "hot"})
    assert response["Location"] == f"/imports/{job.pk}/options/"
    assert client.get(f"/imports/{job.pk}/options/").status_code == 200
    response = client.post(f"/imports/{job.pk}/options/", {"duplicates": "skip", "owner": str(importer.pk)})
    assert response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-get="/imports/' in page  # polls while queued
    run_import(job.pk)
    page = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in page and 'id="download-errors"' in page
    assert sorted(Lead.objects.values_list("rating", flat=True)) == ["hot", "hot"]
    report = client.get(f"/imports/{job.pk}/errors.csv")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")


def test_wizard_refuses_other_users_and_missing_privilege(importer, bob, browser_client, tmp_path):
    from rapport.dataio import service

    path = tmp_path / "a.csv"
    path.write_bytes(b"topic,last_name,company_name\nA,B,C\n")
    job = service.prepare_import(importer, "leads", str(path), "a.csv")
    client = browser_client(bob)
    assert client.get(f"/imports/{job.pk}/mapping/").status_code == 404
    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == 404
    assert client.get("/imports/new/").status_code == 403


def test_list_offers_export_print_and_bulk_edit(admin, browser_client, create):
    create(admin, "accounts", name="=cmd|' /C calc'!A0", city="Pécs")
    create(admin, "accounts", name="Plain Co", city="Győr")
    client = browser_client(admin)
    page = client.get("/accounts/?view=active").content.decode()
    assert "/accounts/export/?view=active" in page and "format=xlsx" in page and "format=csv" in page
    assert "/accounts/print/?view=active" in page and 'value="edit"' in page
    response = client.get("/accounts/export/?view=active&format=csv&ordering=name")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("'=cmd")
    assert len(text.splitlines()) == 3
    page = client.get("/accounts/print/?view=active&ordering=name").content.decode()
    assert "Plain Co" in page and "Győr" in page


def test_bulk_edit_dialog_sets_fields_per_record(alice, bob, browser_client, create):
    from rapport.customers.models import Account

    mine = create(alice, "accounts", name="Mine")
    theirs = create(bob, "accounts", name="Theirs")
    client = browser_client(alice)
    ids = [str(mine.pk), str(theirs.pk)]
    page = client.post("/accounts/bulk/", {"bulk_action": "edit", "ids": ids, "next": "/accounts/"})
    assert page.status_code == 200 and 'name="change"' in page.content.decode()
    response = client.post("/accounts/bulk/", {"bulk_action": "edit", "ids": ids, "confirmed": "1", "next": "/accounts/"})
    assert response.status_code == 400  # no field ticked
    response = client.post("/accounts/bulk/", {"bulk_action": "edit", "ids": ids, "confirmed": "1", "change": ["city"],
                                               "city": "Szeged", "industry": "mining", "next": "/accounts/"})
    text = response.content.decode()
    assert response.status_code == 200 and "1 of 2" in text
    assert Account.objects.get(pk=mine.pk).city == "Szeged"
    assert Account.objects.get(pk=mine.pk).industry != "mining"  # not ticked, not changed
    assert Account.objects.get(pk=theirs.pk).city != "Szeged"


def test_an_import_whose_worker_was_lost_for_good_can_be_resumed(importer, browser_client, api_client, tmp_path,
                                                                 django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from rapport.dataio import engine, service
    from rapport.dataio.models import Import
    from rapport.sales.models import Lead

    path = tmp_path / "a.csv"
    path.write_bytes(b"topic,last_name,company_name\nA,B,C\nD,E,F\n")
    job = service.prepare_import(importer, "leads", str(path), "a.csv")
    service.configure(job, mapping=None)
    with django_capture_on_commit_callbacks(execute=True):
        service.start(job)
    job.refresh_from_db()
    assert job.task_id
    Import.objects.filter(pk=job.pk).update(state="running")  # the worker died before its first batch
    # the recovery sweep gave up on the task (killed on its last attempt)
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED")
    body = api_client(importer).get(f"/api/v1/imports/{job.pk}/").json()
    assert body["state"] == "failed" and "Resume" in body["message"]
    client = browser_client(importer)
    assert 'id="import-lost"' in client.get(f"/imports/{job.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{job.pk}/resume/").status_code == 302
    job.refresh_from_db()
    assert job.state == "queued" and job.task_id
    engine.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == "finished" and job.rows_imported == 2
    assert sorted(Lead.objects.values_list("topic", flat=True)) == ["A", "D"]
