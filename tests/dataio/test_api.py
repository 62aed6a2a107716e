"""API of import, export and bulk edit: status codes and shapes (API.md "Data quality")."""

import csv
import io
import json

import pytest

pytestmark = pytest.mark.django_db


def problem(response):
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:200]
    return response.json()


def test_import_api_202_then_state_and_errors(importer, api_client, django_capture_on_commit_callbacks):
    client = api_client(importer)
    content = b"topic,last_name,company_name,employees\nA,B,C,1\nD,E,F,many\n"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/imports/", {"file": io.BytesIO(content), "entity": "leads",
                                                     "mapping": json.dumps({"topic": "topic", "last_name": "last_name",
                                                                            "company_name": "company_name",
                                                                            "employees": "employees"})})
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"id", "state"} and body["state"] == "queued"
    assert len(callbacks) == 1  # the job is enqueued once the request commits
    from rapport.dataio.engine import run_import

    run_import(body["id"])
    detail = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert detail["state"] == "finished" and detail["entity"] == "leads"
    assert (detail["rows_total"], detail["rows_imported"], detail["rows_failed"], detail["rows_skipped"]) == (2, 1, 1, 0)
    assert detail["errors"][0]["row"] == 3 and detail["errors"][0]["field"] == "employees"
    report = client.get(detail["errors_csv"])
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "3" and rows[1][2] == "employees"


def test_import_api_refusals(alice, importer, bob, api_client):
    content = b"topic,last_name,company_name\nA,B,C\n"
    # no import privilege: 403
    response = api_client(bob).post("/api/v1/imports/", {"file": io.BytesIO(content), "entity": "leads"})
    assert response.status_code == 403 and problem(response)["type"] == "/api/v1/problems/permission-denied"
    client = api_client(importer)
    for data, field in (({"entity": "leads"}, "file"), ({"file": io.BytesIO(content), "entity": "nope"}, "entity"),
                        ({"file": io.BytesIO(content), "entity": "leads", "duplicates": "maybe"}, "duplicates"),
                        ({"file": io.BytesIO(content), "entity": "leads", "mapping": "{bad"}, "mapping"),
                        ({"file": io.BytesIO(b"%PDF-1.7"), "entity": "leads"}, "file")):
        response = client.post("/api/v1/imports/", data)
        assert response.status_code == 400, (data, response.content)
        assert field in problem(response)["errors"]
    response = client.post("/api/v1/imports/", {"file": io.BytesIO(content), "entity": "leads"})
    assert response.status_code == 202
    # another user does not see it
    assert api_client(bob).get(f"/api/v1/imports/{response.json()['id']}/").status_code == 404


def export_rows(response):
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data


def test_export_neutralises_formulas_in_csv_and_xlsx(admin, api_client, create):
    from openpyxl import load_workbook

    create(admin, "accounts", name='=HYPERLINK("http://x","y")', phone="+36 1 234", city="@SUM(A1)",
           description="\tx", employees=5)
    client = api_client(admin)
    data = export_rows(client.get("/api/v1/accounts/export/?format=csv&fields=name,phone,city,employees,owner,industry"))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Account name" or rows[0][0]
    assert rows[1][:4] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+36 1 234", "'@SUM(A1)", "5"]
    assert rows[1][4] == str(admin)  # the owner's name, not an id
    response = client.get("/api/v1/accounts/export/?format=xlsx&fields=name,city,employees")
    workbook = load_workbook(io.BytesIO(export_rows(response)))
    sheet = workbook.active
    assert sheet["A2"].value == '=HYPERLINK("http://x","y")' and sheet["A2"].data_type == "s"
    assert sheet["B2"].data_type == "s" and sheet["C2"].value == 5
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(export_rows(client.get("/api/v1/accounts/export/?format=xlsx&fields=name")))).read(
        "xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"HYPERLINK" in xml


def test_export_respects_the_record_filter_field_security_and_privilege(alice, bob, admin, grant, api_client, create):
    from rapport.security.models import FieldSecurityProfile

    create(alice, "accounts", name="Alice Co", credit_limit="1000.00")
    create(bob, "accounts", name="Bob Co", credit_limit="2000.00")
    FieldSecurityProfile.objects.create(name="Finance", fields={"accounts.credit_limit": {"read": True, "update": True}})
    client = api_client(alice)
    data = export_rows(client.get("/api/v1/accounts/export/?format=csv&view=my-active"))
    text = data.decode("utf-8-sig")
    assert "Alice Co" in text and "Bob Co" not in text and "1000" not in text
    assert client.get("/api/v1/accounts/export/?format=csv&fields=credit_limit").status_code == 400
    assert client.get("/api/v1/accounts/export/?format=pdf").status_code == 400
    assert client.get("/api/v1/accounts/export/?format=csv&filter=%7Bbad").status_code == 400
    assert client.get("/api/v1/nothing/export/").status_code == 404
    # the filter of the list API applies
    data = export_rows(api_client(admin).get("/api/v1/accounts/export/?format=csv&name=Bob%20Co&fields=name"))
    assert data.decode("utf-8-sig").splitlines()[1:] == ["Bob Co"]
    # without the export privilege: 403
    from rapport.security.models import Role

    for role in Role.objects.filter(users=bob):
        role.misc_privileges = [m for m in role.misc_privileges if m != "export"]
        role.save()
    response = api_client(bob).get("/api/v1/accounts/export/?format=csv")
    assert response.status_code == 403 and problem(response)["type"] == "/api/v1/problems/permission-denied"


def test_bulk_update_checks_each_record(alice, bob, api_client, create):
    mine = create(alice, "accounts", name="Mine")
    also_mine = create(alice, "accounts", name="Also mine")
    theirs = create(bob, "accounts", name="Theirs")
    client = api_client(alice)
    response = client.post("/api/v1/accounts/bulk-update/",
                           {"ids": [str(mine.pk), str(theirs.pk), str(also_mine.pk), "junk"],
                            "values": {"city": "Pécs", "industry": "mining"}}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["updated"] == [str(mine.pk), str(also_mine.pk)]
    failed = {f["id"]: f for f in body["failed"]}
    assert set(failed) == {str(theirs.pk), "junk"}
    assert failed[str(theirs.pk)]["errors"] == {"non_field_errors": ["The record does not exist or you may not see it."]}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.city == "Pécs" and theirs.city != "Pécs"
    bad = client.post("/api/v1/accounts/bulk-update/", {"ids": [str(mine.pk)], "values": {"employees": "many"}},
                      content_type="application/json").json()
    assert bad["updated"] == [] and "employees" in bad["failed"][0]["errors"]
    for body, field in (({"ids": [], "values": {"city": "x"}}, "ids"), ({"ids": [str(mine.pk)]}, "values"),
                        ({"ids": [str(mine.pk)], "values": {"city": "x"}, "extra": 1}, "extra")):
        response = client.post("/api/v1/accounts/bulk-update/", body, content_type="application/json")
        assert response.status_code == 400 and field in problem(response)["errors"]
    assert client.post("/api/v1/nothing/bulk-update/", {}, content_type="application/json").status_code == 404


def test_bulk_update_needs_the_bulk_edit_privilege(alice, api_client, create):
    from rapport.security.models import Role

    record = create(alice, "accounts", name="Mine")
    for role in Role.objects.filter(users=alice):
        role.misc_privileges = [m for m in role.misc_privileges if m != "bulk_edit"]
        role.save()
    response = api_client(alice).post("/api/v1/accounts/bulk-update/", {"ids": [str(record.pk)], "values": {"city": "x"}},
                                      content_type="application/json")
    assert response.status_code == 403


def test_export_dates_in_the_callers_time_zone_and_labels(admin, api_client, create):
    import datetime as dt

    from rapport.customers.models import Account

    record = create(admin, "accounts", name="Zone Co", industry="mining")
    Account.objects.filter(pk=record.pk).update(created_on=dt.datetime(2026, 1, 1, 20, 30, tzinfo=dt.UTC))
    admin.time_zone = "Asia/Shanghai"
    admin.save()
    data = export_rows(api_client(admin).get("/api/v1/accounts/export/?format=csv&fields=name,industry,created_on"))
    line = data.decode("utf-8-sig").splitlines()[1]
    assert line.startswith("Zone Co,") and line.endswith(",2026-01-02 04:30")
    assert "mining" not in line.split(",")[1] or line.split(",")[1] != "mining"  # the label, not the code
