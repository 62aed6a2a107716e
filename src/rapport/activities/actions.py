"""Domain operations on activities and contact logs (the only writers of their business state).

Each action is declared on the activity entity sets and run by the engine's action runner
(access check → precondition → transaction → audit → outbox event). The write hook at the end
keeps what must follow every activity write in the same transaction: the "acted on" time, the
escalation timers, the search documents of both sets an activity is listed in, and a contact
log's follow-up task.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.activities.choices import SET_TYPES, TYPE_SETS, ActivityType
from rapport.activities.models import Activity, ActivityComment, ContactLog
from rapport.activities.notifications import notify
from rapport.core.actions.base import Action, ActionContext, ActionResult
from rapport.core.actions.crud import _assign, create_record, save_record, set_owner
from rapport.core.entities import FieldSpec, get_entity
from rapport.core.errors import InvalidState, RecordValidationError

COMPLETED_REASON_BY_TYPE = {
    ActivityType.PHONE_CALL: "made", ActivityType.EMAIL: "sent", ActivityType.LETTER: "sent",
    ActivityType.FAX: "sent", ActivityType.SMS: "sent", ActivityType.MEETING: "held", ActivityType.APPOINTMENT: "held",
}


def activity_set(activity) -> str:
    """The per-type set of an activity (``tasks``, ``phone-calls`` …), where links point."""
    return TYPE_SETS.get(activity.activity_type, "activities")


def activity_url(activity) -> str:
    return f"/activities/{activity.pk}/"


def _user_name(user) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""


# --- state ------------------------------------------------------------------------------------------


def complete_activity(spec, record, ctx: ActionContext, outcome=None, **_inputs) -> ActionResult:
    """Complete an open activity, recording its outcome (the customer's feedback)."""
    record.state = "completed"
    record.status_reason = COMPLETED_REASON_BY_TYPE.get(record.activity_type, "completed")
    if outcome:
        record.outcome = outcome
    record.closed_on = ctx.now
    save_record(spec, record, ctx, operation="complete")
    return ActionResult(record=record, message=_("The activity is completed."))


def cancel_activity(spec, record, ctx: ActionContext, reason=None, **_inputs) -> ActionResult:
    """Cancel an open activity; the reason, when given, is kept in the outcome."""
    record.state = "cancelled"
    record.status_reason = "cancelled"
    if reason:
        record.outcome = reason
    record.closed_on = ctx.now
    save_record(spec, record, ctx, operation="cancel")
    return ActionResult(record=record, message=_("The activity is cancelled."))


# --- assignment (ACT-4) -------------------------------------------------------------------------------


def assign_activity(spec, record, ctx: ActionContext, owner=None) -> ActionResult:
    """Assign to a user or team: the new owner is notified (in the app and by e-mail); audited."""
    previous_owner_id = record.owner_user_id
    record.assigned_by_id = ctx.user.pk if getattr(ctx.user, "pk", None) else None
    record.assigned_on = ctx.now
    record.last_action_on = None
    result = _assign(spec, record, ctx, owner=owner)
    record = result.record
    if record.owner_user_id and record.owner_user_id != previous_owner_id and record.owner_user_id != record.assigned_by_id:
        notify(record.owner_user, "assigned", lambda: _("%(user)s assigned you: %(subject)s")
               % {"user": _user_name(ctx.user), "subject": record.subject}, record, ctx.now, email=True)
    return ActionResult(record=record, message=_("The activity is assigned."))


def can_reject(spec, record, user) -> str | None:
    if not record.assigned_by_id or record.assigned_by_id == record.owner_user_id:
        return _("Only an activity someone assigned to you can be rejected.")
    if record.owner_user_id != getattr(user, "pk", None):
        return _("Only the assignee can reject this activity.")
    return None


def reject_activity(spec, record, ctx: ActionContext, reason=None) -> ActionResult:
    """The assignee hands an assigned activity back to the assigner with a reason; the assigner is notified."""
    from rapport.security.models import User

    assigner = User.objects.filter(pk=record.assigned_by_id).first()
    if assigner is None or not assigner.is_active:
        raise InvalidState(_("The person who assigned this activity can no longer take it back."))
    rejecter = ctx.user
    record.rejection_reason = reason or ""
    record.last_action_on = ctx.now
    set_owner(record, assigner)
    record.assigned_by_id = None
    record.assigned_on = None
    save_record(spec, record, ctx, operation="reject")
    notify(assigner, "rejected", lambda: _("%(user)s rejected \"%(subject)s\": %(reason)s")
           % {"user": _user_name(rejecter), "subject": record.subject, "reason": reason}, record, ctx.now, email=True)
    return ActionResult(record=record, message=_("The activity is handed back to %(user)s.") % {"user": _user_name(assigner)})


def comment_activity(spec, record, ctx: ActionContext, text=None) -> ActionResult:
    """A comment on an activity (managers steering their team's plans); the owner is notified."""
    ActivityComment.objects.create(activity=record, author_id=ctx.user.pk, text=text, created_on=ctx.now)
    if record.owner_user_id and record.owner_user_id != ctx.user.pk:
        notify(record.owner_user, "comment", lambda: _("%(user)s commented on \"%(subject)s\": %(text)s")
               % {"user": _user_name(ctx.user), "subject": record.subject, "text": text[:120]}, record, ctx.now)
    return ActionResult(record=record, audit_changes={"comment": [None, text]}, message=_("Your comment is added."))


# --- conversion (ACT-6) ---------------------------------------------------------------------------------


def _regarding_record(record):
    if not record.regarding_entity or not record.regarding_id:
        return None, None
    spec = get_entity(record.regarding_entity)
    if spec is None:
        return None, None
    return spec, spec.model.objects.filter(pk=record.regarding_id).first()


def can_convert(target_set: str):
    def check(spec, record, user):
        if get_entity(target_set) is None:
            return _("Converting needs %(set)s, which this installation does not have.") % {"set": target_set}
        if record.converted_to_id:
            return _("This activity was already converted.")
        return None
    return check


def _link_conversion(spec, record, ctx, target_set: str, created) -> None:
    record.converted_to_entity = target_set
    record.converted_to_id = created.pk
    record.last_action_on = ctx.now
    save_record(spec, record, ctx, operation="convert")


def _sender_name_and_address(record) -> tuple[str, str]:
    from email.utils import parseaddr

    name, address = parseaddr(record.from_address or "")
    return name, address


def convert_to_lead(spec, record, ctx: ActionContext, topic=None, last_name=None, first_name=None,
                    company_name=None, email=None) -> ActionResult:
    """Make a lead from the activity (an e-mail's sender, a call's contact), linked both ways."""
    leads = get_entity("leads")
    regarding_spec, regarding = _regarding_record(record)
    data = {"topic": topic or record.subject, "description": record.description or ""}
    sender_name, sender_address = _sender_name_and_address(record)
    if regarding_spec is not None and regarding is not None and regarding_spec.set_name == "contacts":
        data.update(first_name=regarding.first_name, last_name=regarding.last_name, email=regarding.email or "")
        if regarding.account_id:
            data["company_name"] = regarding.account.name
    elif regarding_spec is not None and regarding is not None and regarding_spec.set_name == "accounts":
        data["company_name"] = regarding.name
    if sender_address and "email" not in data:
        data["email"] = sender_address
        parts = (sender_name or sender_address.split("@")[0]).split()
        data["last_name"] = parts[-1] if parts else sender_address
        if len(parts) > 1:
            data["first_name"] = " ".join(parts[:-1])
        data.setdefault("company_name", sender_address.split("@")[-1])
    for key, value in {"last_name": last_name, "first_name": first_name, "company_name": company_name,
                       "email": email}.items():
        if value:
            data[key] = value
    data = {k: v for k, v in data.items() if k in leads.field_map and v not in (None,)}
    lead = create_record(leads, data, ctx).record
    _link_conversion(spec, record, ctx, "leads", lead)
    return ActionResult(record=record, created={"lead": lead}, message=_("Lead \"%(name)s\" was created.") % {"name": str(lead)})


def convert_to_opportunity(spec, record, ctx: ActionContext, topic=None, customer=None) -> ActionResult:
    """Make an opportunity for the activity's customer (its account or contact), linked both ways."""
    opportunities = get_entity("opportunities")
    regarding_spec, regarding = _regarding_record(record)
    if not customer and regarding is not None and regarding_spec.set_name in {"accounts", "contacts"}:
        customer = str(regarding.pk)
    if not customer:
        raise RecordValidationError.single("customer", _("Name the customer (an account or contact) of the opportunity."),
                                           "required")
    data = {"topic": topic or record.subject, "customer": str(customer)}
    if "customer_need" in opportunities.field_map and record.outcome:
        data["customer_need"] = record.outcome
    opportunity = create_record(opportunities, data, ctx).record
    _link_conversion(spec, record, ctx, "opportunities", opportunity)
    return ActionResult(record=record, created={"opportunity": opportunity},
                        message=_("Opportunity \"%(name)s\" was created.") % {"name": str(opportunity)})


# --- e-mail (ACT-7) ------------------------------------------------------------------------------------------


def can_send(spec, record, user) -> str | None:
    if record.activity_type != ActivityType.EMAIL:
        return _("Only e-mails can be sent.")
    if record.sent_on:
        return _("This e-mail was already sent.")
    if not (record.to or "").strip():
        return _("Give at least one recipient in \"to\".")
    return None


def send_email_activity(spec, record, ctx: ActionContext, template=None, attachments=None) -> ActionResult:
    """Fill the e-mail from a template (safe placeholders), attach readable note files and send it.

    The message leaves after the transaction commits (a background task), so a refused send
    changes nothing and a sent one is recorded exactly once.
    """
    from rapport.activities.mail import deliver_email, prepare_email

    prepare_email(record, ctx.user, template_id=template, note_ids=attachments or [])
    record.direction = "outgoing"
    record.sent_on = ctx.now
    record.state = "completed"
    record.status_reason = "sent"
    record.closed_on = ctx.now
    save_record(spec, record, ctx, operation="send")
    from rapport.core.jobs import enqueue_on_commit

    enqueue_on_commit(deliver_email, str(record.pk))
    return ActionResult(record=record, message=_("The e-mail is on its way."))


# --- declarations -----------------------------------------------------------------------------------------------


def activity_actions(set_name: str) -> list[Action]:
    """The actions of an activity set (API.md: complete, cancel, assign, reject, convert-to-*)."""
    actions = [
        Action(name="complete", label=gettext_lazy("Mark complete"), handler=complete_activity, audit_action="state",
               style="primary",
               inputs=[FieldSpec("outcome", "textarea", gettext_lazy("Outcome / customer feedback"))]),
        Action(name="cancel", label=gettext_lazy("Cancel activity"), handler=cancel_activity, audit_action="state",
               inputs=[FieldSpec("reason", "textarea", gettext_lazy("Reason"))],
               confirm=gettext_lazy("Cancel this activity? It becomes read-only.")),
        Action(name="assign", label=gettext_lazy("Assign"), handler=assign_activity, privilege="assign",
               audit_action="assign", post_write_check=False,
               inputs=[FieldSpec("owner", "polylookup", gettext_lazy("Owner"), required=True,
                                 targets={"users": "owner_user", "teams": "owner_team"})]),
        Action(name="reject", label=gettext_lazy("Reject"), handler=reject_activity, audit_action="reject",
               precondition=can_reject, post_write_check=False,
               inputs=[FieldSpec("reason", "textarea", gettext_lazy("Reason"), required=True)]),
        Action(name="comment", label=gettext_lazy("Comment"), handler=comment_activity, privilege="read",
               audit_action="comment", allow_in_read_only_state=True,
               inputs=[FieldSpec("text", "textarea", gettext_lazy("Comment"), required=True, max_length=4000)]),
        Action(name="convert-to-opportunity", label=gettext_lazy("Convert to opportunity"), handler=convert_to_opportunity,
               audit_action="convert", allow_in_read_only_state=True, precondition=can_convert("opportunities"),
               inputs=[FieldSpec("topic", "text", gettext_lazy("Topic"), max_length=300),
                       FieldSpec("customer", "text", gettext_lazy("Customer (account or contact id)"), max_length=40)]),
        Action(name="convert-to-lead", label=gettext_lazy("Convert to lead"), handler=convert_to_lead,
               audit_action="convert", allow_in_read_only_state=True, precondition=can_convert("leads"),
               inputs=[FieldSpec("topic", "text", gettext_lazy("Topic"), max_length=300),
                       FieldSpec("last_name", "text", gettext_lazy("Last name"), max_length=100),
                       FieldSpec("first_name", "text", gettext_lazy("First name"), max_length=100),
                       FieldSpec("company_name", "text", gettext_lazy("Company name"), max_length=160),
                       FieldSpec("email", "email", gettext_lazy("E-mail"), max_length=200)]),
    ]
    if set_name in {"emails", "activities"}:
        actions.append(Action(
            name="send", label=gettext_lazy("Send"), handler=send_email_activity, audit_action="send", style="primary",
            precondition=can_send, show_in_ui=False,
            inputs=[FieldSpec("template", "text", gettext_lazy("Template"), max_length=40),
                    FieldSpec("attachments", "list", gettext_lazy("Attachments (note ids)"))]))
    return actions


# --- quick creation used by the timeline, the contact log and the calendar ------------------------------------


def create_activity(activity_type: str, data: dict, ctx: ActionContext, *, owner=None):
    """Create an activity of ``activity_type`` through its per-type set (the generic create action)."""
    spec = get_entity(TYPE_SETS[ActivityType(activity_type)])
    return create_record(spec, data, ctx, owner=owner).record


def follow_up_due(day: dt.date, user) -> dt.datetime:
    """09:00 on ``day`` in the user's time zone: when a follow-up task falls due."""
    from rapport.core.query.compile import user_zone

    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=user_zone(user))


def create_follow_up_task(log: ContactLog, ctx: ActionContext):
    """The follow-up task of a contact log with a next contact date (SAL-22)."""
    spec = get_entity(log.regarding_entity)
    target = spec.model.objects.filter(pk=log.regarding_id).first() if spec else None
    name = str(target) if target is not None else ""
    owner = log.owner_user or ctx.user
    with translation.override(getattr(owner, "language", "") or None):
        subject = _("Contact %(name)s again") % {"name": name} if name else _("Contact the customer again")
    data = {
        "subject": subject[:200],
        "regarding": {"entity": log.regarding_entity, "id": str(log.regarding_id)},
        "due_on": follow_up_due(log.next_contact_on, owner).isoformat(),
        "description": log.notes[:4000],
    }
    return create_activity(ActivityType.TASK, data, ctx, owner=log.owner_user)


# --- the write hook -------------------------------------------------------------------------------------------------


def _index_both(record, *, remove: bool = False) -> None:
    from rapport.core.search.service import index_record, remove_records

    for set_name in ("activities", TYPE_SETS.get(record.activity_type)):
        spec = get_entity(set_name) if set_name else None
        if spec is None:
            continue
        if remove:
            remove_records(set_name, [record.pk])
        else:
            index_record(spec, record)


def activity_write_hook(phase: str, spec, record, ctx: ActionContext, operation: str) -> None:
    """Runs inside every write of an activity or a contact log (registered in ``apps.py``)."""
    if isinstance(record, Activity):
        if phase == "before_save":
            actor = getattr(ctx.user, "pk", None)
            if operation == "create":
                record.last_action_on = None
            elif actor and actor == record.owner_user_id and operation not in {"assign"}:
                record.last_action_on = ctx.now
            if spec.set_name in SET_TYPES:
                record.activity_type = SET_TYPES[spec.set_name]
        elif phase == "after_save":
            from rapport.activities.escalation import schedule_timers

            schedule_timers(record, now=ctx.now)
            _index_both(record)
        elif phase == "before_delete":
            _index_both(record, remove=True)
    elif isinstance(record, ContactLog) and phase == "after_save" and operation == "create":
        if record.next_contact_on and not record.follow_up_task_id:
            task = create_follow_up_task(record, ctx)
            ContactLog.objects.filter(pk=record.pk).update(follow_up_task=task)
            record.follow_up_task_id = task.pk
            record.follow_up_task = task
            record._created = {"task": task}


def todays_new_activities(user, now=None):
    """Open activities the user received today (created for or assigned to them), newest first."""
    from rapport.core.query.compile import user_zone

    now = now or timezone.now()
    start = timezone.localtime(now, user_zone(user)).replace(hour=0, minute=0, second=0, microsecond=0)
    from django.db.models import Q

    return (Activity.objects.for_user(user, "read").filter(owner_user_id=user.pk, state="open")
            .filter(Q(assigned_on__gte=start) | Q(created_on__gte=start, assigned_on__isnull=True))
            .select_related("assigned_by").order_by("-created_on")[:20])
