"""E-mail (ACT-7): a real SMTP server receives the sent message with the rendered template; an
.eml from a known sender lands on the right contact's timeline; placeholders are safe."""

import socket
import time

import pytest

from rapport.activities.mail import deliver_email, ingest_message, render_placeholders
from rapport.activities.models import Activity
from rapport.core.entities import get_entity
from rapport.core.testing.api import assert_problem, post

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 collecting what it receives; stopped after the test."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def contact_of():
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record

    def make(user, **data):
        return create_record(get_entity("contacts"), data, ActionContext(user=user)).record

    return make


def test_sent_email_reaches_a_real_smtp_server_with_the_rendered_template(alice, admin, api_client, account_of,
                                                                          contact_of, smtp_server, settings):
    controller, handler = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    account = account_of(alice, name="Kovács Bánya Kft")
    contact = contact_of(alice, first_name="Anna", last_name="Kovács", email="anna@kovacs.example", account=str(account.pk))
    template = post(api_client(admin), "/api/v1/email-templates/", {
        "name": "Thanks", "entity": "contacts", "subject": "Thank you, {{ full_name }}",
        "body": "Dear {{first_name}},\nthank you for the visit at {{account.name}}.\n{{ nonexistent }}{% load x %}"}).json()
    client = api_client(alice)
    email = post(client, "/api/v1/emails/", {"subject": "draft", "to": "anna@kovacs.example",
                                             "regarding": {"entity": "contacts", "id": str(contact.pk)}}).json()
    sent = post(client, f"/api/v1/emails/{email['id']}/send/", {"template": template["id"]})
    assert sent.status_code == 200, sent.content
    record = sent.json()["record"]
    assert record["state"] == "completed" and record["sent_on"] and record["subject"] == "Thank you, Anna Kovács"
    assert deliver_email.call(email["id"]) is True
    for _ in range(50):
        if handler.messages:
            break
        time.sleep(0.05)
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["anna@kovacs.example"]
    text = envelope.content.decode("utf-8", "replace")
    assert "Thank you, Anna Kov" in text or "=?utf-8?" in text
    import email as email_module
    from email import policy

    parsed = email_module.message_from_bytes(envelope.content, policy=policy.default)
    assert parsed["Subject"] == "Thank you, Anna Kovács"
    body = parsed.get_body().get_content()
    assert "Dear Anna," in body and "visit at Kovács Bánya Kft." in body
    assert "{%" in body  # template tags are text, never run
    # Sending twice is refused.
    assert_problem(post(client, f"/api/v1/emails/{email['id']}/send/", {}), 400, "invalid-state")


def test_placeholders_cannot_run_code_or_read_what_the_sender_may_not(alice, bob, account_of, contact_of):
    from rapport.security.models import FieldSecurityProfile

    account = account_of(alice, name="Secret Ore Ltd", phone="+36 1 555 0199", annual_revenue="5000000")
    spec = get_entity("accounts")
    text = ("{{name}}|{{phone}}|{{annual_revenue}}|{{ name.__class__ }}|{{ name|upper }}|{% debug %}|"
            "{{ owner_user.password }}|{{custom}}|{{ __import__('os') }}")
    rendered, missing = render_placeholders(text, alice, spec, account)
    parts = rendered.split("|")
    assert parts[0] == "Secret Ore Ltd" and parts[1] == "+36 1 555 0199" and parts[2].startswith("5")
    assert parts[3:] == ["", "", "{% debug %}", "", "", ""]
    assert "password" not in rendered and "__class__" not in rendered
    # A secured field the sender may not read stays empty.
    FieldSecurityProfile.objects.create(name="Revenue", fields={"accounts.annual_revenue": {"read": True, "update": True}})
    alice.__dict__.pop("_rapport_field_security", None)
    rendered, missing = render_placeholders("{{annual_revenue}}!", alice, spec, account)
    assert rendered == "!" and "annual_revenue" in missing
    # A lookup to a record the sender may not read stays empty too.
    other = account_of(bob, name="Bob's account")
    contact = contact_of(alice, last_name="Nagy", account=str(account.pk))
    contact.account_id = other.pk
    assert render_placeholders("{{account.name}}", alice, get_entity("contacts"), contact)[0] == ""


def test_the_send_refuses_attachments_the_sender_may_not_read(alice, bob, api_client, account_of):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record

    bobs = account_of(bob)
    note = create_record(get_entity("notes"), {"regarding": {"entity": "accounts", "id": str(bobs.pk)}, "title": "x"},
                         ActionContext(user=bob)).record
    client = api_client(alice)
    email = post(client, "/api/v1/emails/", {"subject": "s", "to": "x@example.com"}).json()
    assert_problem(post(client, f"/api/v1/emails/{email['id']}/send/", {"attachments": [str(note.pk)]}), 400,
                   "validation", "attachments")
    assert Activity.objects.get(pk=email["id"]).state == "open"


EML = b"""From: Anna Kovacs <Anna@Kovacs.example>
To: sales@rapport.example
Subject: Re: Your offer
Message-ID: <reply-1@kovacs.example>
Date: Mon, 6 May 2024 10:00:00 +0200
Content-Type: text/plain; charset=utf-8

Thank you, we would like a demonstration next week.
"""


def test_an_eml_from_a_known_sender_lands_on_the_contacts_timeline(alice, api_client, contact_of, tmp_path):
    contact = contact_of(alice, first_name="Anna", last_name="Kovács", email="anna@kovacs.example")
    path = tmp_path / "reply.eml"
    path.write_bytes(EML)
    from rapport.cli import main

    assert main(["mail", "fetch", "--eml", str(path)]) == 0
    email = Activity.objects.get(message_id="<reply-1@kovacs.example>")
    assert email.activity_type == "email" and email.direction == "incoming" and email.state == "completed"
    assert email.regarding_entity == "contacts" and email.regarding_id == contact.pk and email.owner_user_id == alice.pk
    assert "demonstration" in email.description
    timeline = api_client(alice).get(f"/api/v1/contacts/{contact.pk}/timeline/").json()["results"]
    assert {"kind": "activity", "id": str(email.pk), "subject": "Re: Your offer", "activity_type": "email"}.items() <= \
        next(item for item in timeline if item["id"] == str(email.pk)).items()
    # Ingesting the same message again adds nothing.
    assert ingest_message(EML) is None
    assert Activity.objects.filter(activity_type="email").count() == 1


def test_a_reply_is_threaded_to_the_regarding_record_of_the_message_it_answers(alice, api_client, account_of, contact_of):
    account = account_of(alice)
    contact_of(alice, last_name="Kovács", email="anna@kovacs.example")
    client = api_client(alice)
    sent = post(client, "/api/v1/emails/", {"subject": "Offer", "to": "anna@kovacs.example",
                                            "regarding": {"entity": "accounts", "id": str(account.pk)}}).json()
    post(client, f"/api/v1/emails/{sent['id']}/send/", {})
    message_id = Activity.objects.get(pk=sent["id"]).message_id
    reply = ingest_message(EML.replace(b"Message-ID: <reply-1@kovacs.example>",
                                       b"Message-ID: <reply-2@kovacs.example>\nIn-Reply-To: " + message_id.encode()))
    assert reply.regarding_entity == "accounts" and reply.regarding_id == account.pk


def test_an_unknown_sender_goes_to_an_administrator_and_can_become_a_lead(admin, api_client):
    email = ingest_message(EML.replace(b"Anna@Kovacs.example", b"new.buyer@quarry.example"))
    assert email.owner_user_id == admin.pk and email.regarding_id is None
    answer = post(api_client(admin), f"/api/v1/emails/{email.pk}/convert-to-lead/", {})
    if get_entity("leads") is None:
        assert_problem(answer, 400, "invalid-state")
        return
    assert answer.status_code == 200, answer.content
    lead = get_entity("leads").model.objects.get(pk=answer.json()["created"]["lead"])
    assert lead.email == "new.buyer@quarry.example" and lead.company_name == "quarry.example"
