"""E-mail (ACT-7): safe templates, sending through Django's mail, and ingesting incoming mail.

Templates are *not* Django templates: a template author must not run code or reach data the
sender may not read. :func:`render_placeholders` replaces only ``{{field}}`` (and one lookup step,
``{{account.name}}``) with the display value of a field of the regarding record, after checking
that the sender may read that record and that field (the record filter and field security);
anything else — unknown names, filters, tags, attribute walks — is left out, never evaluated.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import uuid
from email.utils import getaddresses, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from rapport.activities.models import Activity, EmailTemplate
from rapport.core.entities import get_entity
from rapport.core.errors import RecordValidationError
from rapport.core.permissions.fields import field_readable

logger = logging.getLogger("rapport.activities.mail")

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]{0,80}?)\s*\}\}")
NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


def _display(spec, fs, record) -> str:
    from rapport.core.views.display import show

    return str(show(spec, fs, record).text or "")


def _field_value(user, spec, record, name: str) -> str | None:
    """The display value of ``name`` on ``record`` when ``user`` may read it, else None."""
    fs = spec.get_field(name)
    if fs is None or fs.type in {"json", "list"} or name == "custom" or not field_readable(user, spec, name):
        return None
    if fs.type == "lookup":
        target = get_entity(fs.target or "")
        related_id = getattr(record, f"{fs.column}_id", None)
        if target is None or related_id is None:
            return ""
        related = target.model.objects.for_user(user, "read").filter(pk=related_id).first()
        return str(related) if related is not None else None
    if fs.type in {"polylookup", "regarding"}:
        return None
    return _display(spec, fs, record)


def render_placeholders(text: str, user, spec, record) -> tuple[str, list[str]]:
    """``text`` with each ``{{field}}`` filled from ``record``; also the placeholders left empty.

    ``record`` must already be one ``user`` may read. ``{{lookup.field}}`` follows one lookup to a
    record the user may read. Nothing else is interpreted.
    """
    missing: list[str] = []

    def replace(match):
        name = match.group(1).strip()
        value = None
        if record is not None and spec is not None and NAME.match(name):
            if "." in name:
                head, tail = name.split(".", 1)
                fs = spec.get_field(head)
                if fs is not None and fs.type == "lookup" and field_readable(user, spec, head):
                    target = get_entity(fs.target or "")
                    related_id = getattr(record, f"{fs.column}_id", None)
                    related = (target.model.objects.for_user(user, "read").filter(pk=related_id).first()
                               if target is not None and related_id else None)
                    if related is not None:
                        value = _field_value(user, target, related, tail)
            else:
                value = _field_value(user, spec, record, name)
        if value is None:
            missing.append(name)
            return ""
        return value

    return PLACEHOLDER.sub(replace, text or ""), missing


def regarding_for(user, activity):
    """(spec, record) of the activity's regarding record when ``user`` may read it."""
    if not activity.regarding_entity or not activity.regarding_id:
        return None, None
    spec = get_entity(activity.regarding_entity)
    if spec is None:
        return None, None
    return spec, spec.model.objects.for_user(user, "read").filter(pk=activity.regarding_id).first()


def prepare_email(activity: Activity, user, *, template_id=None, note_ids=()) -> None:
    """Fill subject and body from a template and check the attachments (inside the send action)."""
    from rapport.core.models import Note

    if template_id:
        try:
            template = EmailTemplate.objects.for_user(user, "read").filter(pk=uuid.UUID(str(template_id))).first()
        except ValueError:
            template = None
        if template is None:
            raise RecordValidationError.single("template", _("There is no such e-mail template."), "does-not-exist")
        spec, record = regarding_for(user, activity)
        activity.subject = render_placeholders(template.subject, user, spec, record)[0][:200] or activity.subject
        body, _missing = render_placeholders(template.body, user, spec, record)
        activity.description = body
    ids = []
    for value in note_ids or []:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            raise RecordValidationError.single("attachments", _("Give note ids."), "invalid")
    if ids:
        readable = set(Note.objects.for_user(user, "read").filter(pk__in=ids).exclude(file="").values_list("pk", flat=True))
        if readable != set(ids):
            raise RecordValidationError.single("attachments", _("Attach only files of notes you may read."), "does-not-exist")
    activity.attachments = [str(i) for i in ids]
    if not activity.from_address:
        activity.from_address = getattr(user, "email", "") or settings.DEFAULT_FROM_EMAIL
    if not activity.message_id:
        activity.message_id = make_msgid(domain="rapport.local")


def build_message(activity: Activity) -> EmailMessage:
    from rapport.core.models import Note

    recipients = [address for _name, address in getaddresses([activity.to or ""]) if address]
    headers = {"Message-ID": activity.message_id} if activity.message_id else {}
    if activity.in_reply_to:
        headers["In-Reply-To"] = activity.in_reply_to
    message = EmailMessage(subject=activity.subject, body=activity.description or "", from_email=activity.from_address
                           or settings.DEFAULT_FROM_EMAIL, to=recipients, headers=headers)
    for note in Note.objects.filter(pk__in=activity.attachments or []).exclude(file=""):
        with note.file.open("rb") as handle:
            message.attach(note.file_name or "attachment", handle.read(), note.file_content_type or "application/octet-stream")
    return message


@task()
def deliver_email(activity_id: str) -> bool:
    """Send a prepared e-mail activity (after the send action committed); record a failure."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return False
    try:
        build_message(activity).send(fail_silently=False)
    except Exception as error:  # the SMTP server's refusal is kept on the record for the sender to see
        logger.warning("e-mail %s could not be delivered: %s", activity_id, error)
        Activity.objects.filter(pk=activity.pk).update(delivery_error=str(error)[:2000])
        return False
    Activity.objects.filter(pk=activity.pk).update(delivery_error="")
    return True


# --- incoming mail ------------------------------------------------------------------------------------------


def match_sender(address: str):
    """(set name, record) of the contact, lead or account with this e-mail address (in that order)."""
    if not address:
        return None, None
    for set_name in ("contacts", "leads", "accounts"):
        spec = get_entity(set_name)
        if spec is None or "email" not in spec.field_map:
            continue
        record = spec.model.objects.filter(email__iexact=address).order_by("created_on").first()
        if record is not None:
            return set_name, record
    return None, None


def _body_text(message) -> str:
    part = message.get_body(preferencelist=("plain", "html")) if hasattr(message, "get_body") else None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        from django.utils.html import strip_tags

        content = strip_tags(content)
    return content[:100_000]


def _system_owner():
    from rapport.security.models import User

    return User.objects.filter(is_active=True, is_superuser=True).order_by("date_joined").first()


def ingest_message(raw: bytes):
    """Record one incoming e-mail as a received e-mail activity; None when it was ingested before.

    The sender's address picks the contact, lead or account; a reply (``In-Reply-To`` or
    ``References`` naming a message we sent or received) is threaded to that message's regarding
    record, otherwise the matched record is the regarding. The activity belongs to the matched
    record's owner (else the first administrator).
    """
    from rapport.core.actions.base import ActionContext, write_audit
    from rapport.core.actions.crud import create_record, save_record
    from rapport.core.serialization import diff, snapshot

    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID", "") or "").strip()[:255]
    if message_id and Activity.objects.filter(message_id=message_id).exists():
        return None
    sender_name, sender = parseaddr(str(message.get("From", "")))
    set_name, matched = match_sender(sender)
    references = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References")).split()
    parent = Activity.objects.filter(message_id__in=references).exclude(message_id="").order_by("-created_on").first() \
        if references else None
    regarding = None
    if parent is not None and parent.regarding_id:
        regarding = {"entity": parent.regarding_entity, "id": str(parent.regarding_id)}
    elif matched is not None:
        regarding = {"entity": set_name, "id": str(matched.pk)}
    owner = getattr(matched, "owner_user", None) if matched is not None else None
    if owner is None or not owner.is_active:
        owner = parent.owner_user if parent is not None and parent.owner_user_id else _system_owner()
    if owner is None:
        raise RecordValidationError.single("non_field_errors", _("There is no user to receive the e-mail."), "no-owner")
    ctx = ActionContext(user=owner, channel="system")
    data = {
        "subject": (str(message.get("Subject", "")) or _("(no subject)"))[:200],
        "description": _body_text(message),
        "direction": "incoming",
        "from": str(message.get("From", ""))[:254],
        "to": ", ".join(address for _n, address in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))),
    }
    if regarding is not None:
        data["regarding"] = regarding
    spec = get_entity("emails")
    with transaction.atomic():
        extra = {"message_id": message_id or make_msgid(domain="rapport.local"),
                 "in_reply_to": str(message.get("In-Reply-To", "")).strip()[:255]}
        record = create_record(spec, data, ctx, extra=extra).record
        # A received e-mail is a closed activity at once (state changes only through the writers).
        before = snapshot(spec, record)
        record.state, record.status_reason, record.closed_on = "completed", "received", ctx.now
        save_record(spec, record, ctx, operation="receive")
        write_audit(spec, record.pk, "state", diff(before, snapshot(spec, record)), ctx, str(record))
    return record


def ingest_eml_file(path) -> Activity | None:
    with open(path, "rb") as handle:
        return ingest_message(handle.read())


def fetch_imap(url: str | None = None, *, mailbox: str | None = None) -> tuple[int, int]:
    """Fetch unseen messages over IMAP (``RAPPORT_IMAP_URL``, e.g. ``imaps://user:pass@host/INBOX``).

    Each message is ingested, then flagged seen; returns (ingested, skipped as already known).
    """
    import imaplib
    import os
    from urllib.parse import unquote, urlparse

    url = url or os.environ.get("RAPPORT_IMAP_URL", "")
    if not url:
        raise RecordValidationError.single("non_field_errors", _("Set RAPPORT_IMAP_URL to fetch mail."), "not-configured")
    parts = urlparse(url)
    secure = parts.scheme == "imaps"
    client = (imaplib.IMAP4_SSL if secure else imaplib.IMAP4)(parts.hostname or "127.0.0.1",
                                                               parts.port or (993 if secure else 143))
    ingested = skipped = 0
    try:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(mailbox or parts.path.lstrip("/") or "INBOX")
        _status, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split():
            _status, fetched = client.fetch(number, "(RFC822)")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:
                continue
            if ingest_message(raw) is None:
                skipped += 1
            else:
                ingested += 1
            client.store(number, "+FLAGS", "\\Seen")
    finally:
        try:
            client.logout()
        except Exception:  # the connection may be gone already; nothing to clean up then
            pass
    return ingested, skipped
