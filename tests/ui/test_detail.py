"""The detail page: header, sub-grids, actions from the registry, delete, notes and attachments, audit."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_header_fields_and_sub_grid(signed_in, make_record, alice):
    account = make_record(alice, "accounts", name="Harbour Ltd", city="Rijeka", annual_revenue="1234567.50")
    make_record(alice, "contacts", last_name="Horváth", first_name="Éva", account=str(account.pk), job_title="Buyer")
    page = text_of(signed_in(alice).get(f"/accounts/{account.pk}/"))
    assert "<h1 id=\"record-title\">Harbour Ltd</h1>" in page
    assert "Active" in page and "alice" in page  # state and owner in the header
    assert "Rijeka" in page and "1,234,567.50" in page  # localized number (English)
    assert "Éva Horváth" in page and "Buyer" in page  # the contacts sub-grid
    assert f"/contacts/new/?account={account.pk}" in page
    assert f"/contacts/?view=all&amp;account={account.pk}" in response_raw(signed_in(alice), account)


def response_raw(client, account):
    return client.get(f"/accounts/{account.pk}/").content.decode()


def test_the_buttons_are_the_actions_the_user_may_run_now(signed_in, make_record, alice):
    account = make_record(alice, "accounts", name="Stateful")
    client = signed_in(alice)
    page = text_of(client.get(f"/accounts/{account.pk}/"))
    assert f"/accounts/{account.pk}/run/deactivate/" in page and f"/accounts/{account.pk}/run/activate/" not in page
    assert f"/accounts/{account.pk}/edit/" in page
    response = client.post(f"/accounts/{account.pk}/run/deactivate/", {"version": "1", "status_reason": "moved"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.state == "inactive"
    page = text_of(client.get(f"/accounts/{account.pk}/"))
    assert f"/accounts/{account.pk}/run/activate/" in page and f"/accounts/{account.pk}/run/deactivate/" not in page
    assert f"/accounts/{account.pk}/edit/" not in page and "read-only" in page
    assert "Inactive" in page and "No longer a customer" in page  # state and status reason in the header
    assert client.post(f"/accounts/{account.pk}/run/activate/", {"version": "2"}).status_code == 302
    account.refresh_from_db()
    assert account.state == "active"


def test_a_stale_action_changes_nothing(signed_in, make_record, alice):
    account = make_record(alice, "accounts", name="Racing")
    client = signed_in(alice)
    client.post(f"/accounts/{account.pk}/edit/", {"name": "Renamed", "currency": "USD", "version": "1"})
    response = client.post(f"/accounts/{account.pk}/run/deactivate/", {"version": "1"})
    assert response.status_code == 409 and "Someone else saved this record" in text_of(response)
    account.refresh_from_db()
    assert account.state == "active"


def test_delete_with_confirmation_and_dependents(signed_in, make_record, alice):
    from rapport.customers.models import Account

    lonely = make_record(alice, "accounts", name="Lonely")
    parent = make_record(alice, "accounts", name="Parent")
    make_record(alice, "contacts", last_name="Child", account=str(parent.pk))
    client = signed_in(alice)
    assert "This cannot be undone." in text_of(client.get(f"/accounts/{lonely.pk}/delete/"))
    assert Account.objects.filter(pk=lonely.pk).exists()  # a GET only asks
    response = client.post(f"/accounts/{lonely.pk}/delete/", {"version": "1"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert not Account.objects.filter(pk=lonely.pk).exists()
    refused = client.post(f"/accounts/{parent.pk}/delete/", {"version": "1"})
    assert refused.status_code == 400 and "1 contacts" in text_of(refused)
    assert Account.objects.filter(pk=parent.pk).exists()


def test_notes_with_an_attachment(signed_in, make_record, alice, bob):
    from rapport.core.models import Note

    account = make_record(alice, "accounts", name="Noted")
    client = signed_in(alice)
    upload = SimpleUploadedFile("minutes.txt", b"Met on Monday.\n", content_type="text/plain")
    response = client.post(f"/accounts/{account.pk}/notes/", {"title": "Visit", "text": "Went well", "file": upload})
    assert response.status_code == 302
    note = Note.objects.get(regarding_id=account.pk)
    assert (note.title, note.file_name, note.created_by_id) == ("Visit", "minutes.txt", alice.pk)
    page = text_of(client.get(f"/accounts/{account.pk}/"))
    assert "Visit" in page and "minutes.txt" in page and f"/notes/{note.pk}/file/" in page
    download = client.get(f"/notes/{note.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Met on Monday.\n"
    assert "attachment" in download["Content-Disposition"] and "minutes.txt" in download["Content-Disposition"]
    assert signed_in(bob).get(f"/notes/{note.pk}/file/").status_code == 404


def test_a_refused_file_leaves_no_note(signed_in, make_record, alice):
    from rapport.core.models import Note

    account = make_record(alice, "accounts", name="Careful")
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = signed_in(alice).post(f"/accounts/{account.pk}/notes/", {"title": "Bad", "file": upload},
                                     HTTP_HX_REQUEST="true")
    page = text_of(response)
    assert 'Files of type ".exe" are not allowed' in page
    assert 'value="Bad"' in page  # the input is kept
    assert not Note.objects.filter(regarding_id=account.pk).exists()


def test_the_audit_tab_shows_who_changed_what(signed_in, make_record, alice):
    parent = make_record(alice, "accounts", name="Holding")
    account = make_record(alice, "accounts", name="Subsidiary", city="Eger")
    client = signed_in(alice)
    client.post(f"/accounts/{account.pk}/edit/", {"name": "Subsidiary", "city": "Vác", "currency": "USD",
                                                  "parent_account": str(parent.pk), "version": "1"})
    page = text_of(client.get(f"/accounts/{account.pk}/audit/", HTTP_HX_REQUEST="true"))
    assert "<html" not in page
    assert "Changed" in page and "Created" in page
    assert re.search(r"City</th><td>Eger</td><td>Vác</td>", page)
    assert re.search(r"Parent account</th><td>—</td><td>Holding</td>", page)  # a lookup by name, not id
    assert "User interface" in page and "alice" in page


def test_the_global_audit_view_is_for_administrators(signed_in, make_record, admin, alice):
    account = make_record(alice, "accounts", name="Watched")
    assert signed_in(alice).get("/settings/audit/").status_code == 403
    page = text_of(signed_in(admin).get("/settings/audit/?entity=accounts"))
    assert "Watched" in page and f"/accounts/{account.pk}/" in page and "Created" in page


def test_dates_numbers_and_times_follow_the_users_language_and_time_zone(signed_in, make_record, alice):
    import datetime as dt

    from rapport.customers.models import Contact

    contact = make_record(alice, "contacts", last_name="Szabó", birthday="1980-03-15")
    account = make_record(alice, "accounts", name="Money", annual_revenue="1234567.50")
    Contact.objects.filter(pk=contact.pk).update(modified_on=dt.datetime(2026, 1, 2, 23, 30, tzinfo=dt.UTC))
    alice.language, alice.time_zone = "hu", "Europe/Budapest"
    alice.save()
    client = signed_in(alice)
    contact_page = text_of(client.get(f"/contacts/{contact.pk}/"))
    assert "1980. március 15." in contact_page  # the long date format of Hungarian
    assert "2026.01.03. 00:30" in contact_page  # 23:30 UTC is half past midnight in Budapest
    assert "1\xa0234\xa0567,50" in text_of(client.get(f"/accounts/{account.pk}/"))


def test_share_a_record_from_its_page_then_stop_sharing(signed_in, make_record, alice, bob):
    account = make_record(alice, "accounts", name="Shared Harbour")
    owner = signed_in(alice)
    page = text_of(owner.get(f"/accounts/{account.pk}/"))
    assert f"/accounts/{account.pk}/run/share/" in page
    form = text_of(owner.get(f"/accounts/{account.pk}/run/share/"))
    assert "Not shared with anyone." in form and 'name="rights"' in form and 'value="write"' in form
    other = signed_in(bob)
    assert other.get(f"/accounts/{account.pk}/").status_code == 404

    response = owner.post(f"/accounts/{account.pk}/run/share/",
                          {"version": "1", "principal": str(bob.pk), "rights": ["write"]})
    assert response.status_code == 302
    form = text_of(owner.get(f"/accounts/{account.pk}/run/share/"))
    assert f"{bob}: Read, Write" in form
    assert other.get(f"/accounts/{account.pk}/").status_code == 200
    assert other.post(f"/accounts/{account.pk}/edit/", {"name": "Shared Harbour Ltd", "currency": "USD",
                                                         "version": "1"}).status_code == 302

    account.refresh_from_db()
    response = owner.post(f"/accounts/{account.pk}/run/share/",
                          {"version": str(account.version), "principal": str(bob.pk)})  # nothing ticked: stop sharing
    assert response.status_code == 302
    assert other.get(f"/accounts/{account.pk}/").status_code == 404
    assert "Not shared with anyone." in text_of(owner.get(f"/accounts/{account.pk}/run/share/"))
