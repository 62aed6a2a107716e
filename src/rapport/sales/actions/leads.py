"""Lead actions: qualify (SAL-3), disqualify and reactivate (SAL-4).

Each runs inside :func:`rapport.core.actions.base.run_action` (access, If-Match, inputs,
precondition, transaction, audit, outbox event); records it creates go through ``create_record``
so they get their own audit entries, search index rows and privilege checks.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import Action, ActionResult
from rapport.core.actions.crud import create_record, save_record
from rapport.core.entities import FieldSpec, get_entity
from rapport.core.errors import RecordValidationError
from rapport.core.permissions.access import access_record
from rapport.sales import rules
from rapport.sales.choices import LEAD_STATUS_REASONS

ADDRESS = ["address_line1", "address_line2", "city", "state_province", "postal_code", "country"]


def _default_true(value) -> bool:
    return True if value is None else bool(value)


def validate_conversion(lead, *, account, contact, create_account, create_contact, create_opportunity) -> None:
    """WESTRAC: converting to an opportunity needs complete customer and contact data.

    That is a customer account (created from the company name or an existing one), a contact
    (created from the lead's name or an existing one) and a way to reach them (phone or e-mail).
    """
    if not create_opportunity:
        return
    errors, codes = {}, {}

    def add(field, message):
        errors.setdefault(field, []).append(message)
        codes.setdefault(field, []).append("incomplete-for-opportunity")

    if account is None and not create_account:
        add("create_account", _("An opportunity needs its customer: create the account from the lead or pick an existing one."))
    elif account is None and not (lead.company_name or "").strip():
        add("company_name", _("Enter the company name before converting the lead to an opportunity."))
    if contact is None and not create_contact:
        add("create_contact", _("An opportunity needs a contact: create it from the lead or pick an existing one."))
    elif contact is None:
        if not (lead.last_name or "").strip():
            add("last_name", _("Enter the contact's last name before converting the lead to an opportunity."))
        if not any((lead.phone, lead.mobile_phone, lead.email)):
            add("phone", _("Enter a phone number or an e-mail address before converting the lead to an opportunity."))
    elif not any((contact.phone, contact.mobile_phone, contact.email)):
        add("existing_contact", _("The chosen contact has no phone number or e-mail address."))
    if errors:
        raise RecordValidationError(errors, codes, detail=_("The lead's customer and contact data are incomplete."))


def account_data(lead) -> dict:
    data = {"name": lead.company_name, "phone": lead.phone, "fax": lead.fax, "email": lead.email,
            "website": lead.website, "industry": lead.industry, "employees": lead.employees,
            "annual_revenue": lead.annual_revenue, "currency": lead.currency}
    data.update({name: getattr(lead, name) for name in ADDRESS})
    return {k: v for k, v in data.items() if v not in (None, "")}


def contact_data(lead, account) -> dict:
    data = {"first_name": lead.first_name, "last_name": lead.last_name, "salutation": lead.salutation,
            "job_title": lead.job_title, "email": lead.email, "phone": lead.phone, "mobile_phone": lead.mobile_phone,
            "fax": lead.fax}
    data.update({name: getattr(lead, name) for name in ADDRESS})
    if account is not None:
        data["account"] = str(account.pk)
    return {k: v for k, v in data.items() if v not in (None, "")}


def qualify_lead(spec, lead, ctx, create_account=None, create_contact=None, create_opportunity=None,
                 existing_account=None, existing_contact=None) -> ActionResult:
    """Qualify an open lead into any of account, contact and opportunity (all three by default).

    Existing records can be picked instead of creating them. The opportunity carries
    ``originating_lead``; the lead records what it became and turns read-only.
    """
    create_account, create_contact = _default_true(create_account), _default_true(create_contact)
    create_opportunity = _default_true(create_opportunity)
    account = access_record(ctx.user, "accounts", existing_account, "read") if existing_account else None
    contact = access_record(ctx.user, "contacts", existing_contact, "read") if existing_contact else None
    validate_conversion(lead, account=account, contact=contact, create_account=create_account,
                        create_contact=create_contact, create_opportunity=create_opportunity)
    created = {}
    if account is None and create_account:
        account = create_record(get_entity("accounts"), account_data(lead), ctx).record
        created["account"] = account
    if contact is None and create_contact:
        contact = create_record(get_entity("contacts"), contact_data(lead, account), ctx).record
        created["contact"] = contact
    opportunity = None
    if create_opportunity:
        customer = account or contact
        data = {"topic": lead.topic, "customer": str(customer.pk), "originating_lead": str(lead.pk),
                "currency": lead.currency, "customer_need": lead.description}
        if contact is not None:
            data["contact"] = str(contact.pk)
        if lead.source_campaign:
            data["source_campaign"] = lead.source_campaign
        opportunity = create_record(get_entity("opportunities"), {k: v for k, v in data.items() if v not in (None, "")},
                                    ctx).record
        created["opportunity"] = opportunity
    lead.state, lead.status_reason = "qualified", "qualified"
    lead.qualified_account = account
    lead.qualified_contact = contact
    lead.qualified_opportunity = opportunity
    save_record(spec, lead, ctx, operation="qualify")
    message = _("The lead was qualified.")
    next_url = f"/opportunities/{opportunity.pk}/" if opportunity is not None else ""
    return ActionResult(record=lead, created=created, message=message, next_url=next_url)


def disqualify_lead(spec, lead, ctx, status_reason=None) -> ActionResult:
    """Disqualify an open lead with a reason; it stays for reporting and can be reactivated."""
    lead.state, lead.status_reason = "disqualified", status_reason
    save_record(spec, lead, ctx, operation="disqualify")
    return ActionResult(record=lead)


def reactivate_lead(spec, lead, ctx) -> ActionResult:
    """Open a disqualified lead again."""
    lead.state, lead.status_reason = "open", "contacted"
    save_record(spec, lead, ctx, operation="reactivate")
    return ActionResult(record=lead)


def lead_actions() -> list[Action]:
    return [
        Action(
            name="qualify", label=gettext_lazy("Qualify"), handler=qualify_lead, audit_action="state",
            precondition=rules.can_qualify, style="primary",
            inputs=[
                FieldSpec("create_account", "boolean", gettext_lazy("Create an account")),
                FieldSpec("create_contact", "boolean", gettext_lazy("Create a contact")),
                FieldSpec("create_opportunity", "boolean", gettext_lazy("Create an opportunity")),
                FieldSpec("existing_account", "lookup", gettext_lazy("Or use the existing account"), target="accounts",
                          column="existing_account"),
                FieldSpec("existing_contact", "lookup", gettext_lazy("Or use the existing contact"), target="contacts",
                          column="existing_contact"),
            ],
        ),
        Action(
            name="disqualify", label=gettext_lazy("Disqualify"), handler=disqualify_lead, audit_action="state",
            precondition=rules.can_disqualify,
            inputs=[FieldSpec("status_reason", "choice", gettext_lazy("Reason"), required=True,
                              choices=list(LEAD_STATUS_REASONS["disqualified"]), column="status_reason")],
        ),
        Action(
            name="reactivate", label=gettext_lazy("Reactivate"), handler=reactivate_lead, audit_action="state",
            precondition=rules.can_reactivate, allow_in_read_only_state=True,
        ),
    ]
