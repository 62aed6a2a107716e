"""Registration of accounts and contacts: everything generic reads this metadata."""

from django.utils.translation import gettext_lazy as _

from rapport.core.entities import EntitySpec, Section, SubGrid, Tab, register
from rapport.customers.choices import INACTIVE_REASONS
from rapport.customers.models import Account, Contact

ADDRESS = ["address_line1", "address_line2", "city", "state_province", "postal_code", "country"]


def register_all():
    register(EntitySpec(
        set_name="accounts",
        model=Account,
        label=_("Account"),
        label_plural=_("Accounts"),
        primary_field="name",
        fields=[
            "name", "account_number", "parent_account", "primary_contact", "industry", "relationship_type",
            "phone", "fax", "email", "website", *ADDRESS, "employees", "annual_revenue", "credit_limit",
            "credit_hold", "blacklisted", "description", "currency",
        ],
        quick_find=["name", "account_number", "phone", "email", "city"],
        default_columns=["name", "city", "phone", "industry", "owner", "modified_on"],
        default_ordering=["name"],
        area="sales",
        features=frozenset({"audit", "state", "notes", "connections"}),
        status_reasons={"inactive": INACTIVE_REASONS},
        tabs=[
            Tab(_("Summary"), [
                Section(_("Account information"), ["name", "account_number", "parent_account", "primary_contact",
                                                   "relationship_type", "industry"]),
                Section(_("Contact details"), ["phone", "fax", "email", "website"]),
                Section(_("Address"), ADDRESS),
            ]),
            Tab(_("Details"), [
                Section(_("Company profile"), ["employees", "annual_revenue", "currency", "description"]),
                Section(_("Billing"), ["credit_limit", "credit_hold", "blacklisted"]),
            ]),
        ],
        sub_grids=[
            SubGrid("contacts", "account", _("Contacts"), ["full_name", "job_title", "email", "phone"]),
            SubGrid("accounts", "parent_account", _("Sub-accounts"), ["name", "city", "phone"]),
        ],
        icon="building",
    ))
    register(EntitySpec(
        set_name="contacts",
        model=Contact,
        label=_("Contact"),
        label_plural=_("Contacts"),
        primary_field="full_name",
        fields=[
            "first_name", "last_name", "full_name", "salutation", "job_title", "account", "email", "phone",
            "mobile_phone", "fax", *ADDRESS, "birthday", "preferred_contact_method", "do_not_email",
            "do_not_phone", "do_not_mail", "description",
        ],
        quick_find=["full_name", "first_name", "last_name", "email", "phone", "mobile_phone"],
        default_columns=["full_name", "account", "job_title", "email", "phone", "modified_on"],
        default_ordering=["full_name"],
        area="sales",
        features=frozenset({"audit", "state", "notes", "connections"}),
        status_reasons={"inactive": INACTIVE_REASONS},
        field_overrides={"full_name": {"read_only": True}},
        tabs=[
            Tab(_("Summary"), [
                Section(_("Contact information"), ["salutation", "first_name", "last_name", "job_title", "account"]),
                Section(_("Contact details"), ["email", "phone", "mobile_phone", "fax"]),
                Section(_("Address"), ADDRESS),
            ]),
            Tab(_("Details"), [
                Section(_("Personal"), ["birthday", "description"]),
                Section(_("Contact preferences"), ["preferred_contact_method", "do_not_email", "do_not_phone",
                                                   "do_not_mail"]),
            ]),
        ],
        icon="person",
    ))
