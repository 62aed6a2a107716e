"""Duplicate detection rules and their conditions, administered in Settings like any entity."""

from django.utils.translation import gettext_lazy as _

from rapport.core.entities import EntitySpec, Section, SubGrid, Tab, register
from rapport.duplicates.models import DuplicateCondition, DuplicateRule

CHECKED_SETS = [("accounts", _("Accounts")), ("contacts", _("Contacts")), ("leads", _("Leads"))]
# The fields rules usually compare (a condition's clean() checks the field exists on its entity).
RULE_FIELDS = [
    ("email", _("E-mail")), ("name", _("Account name")), ("company_name", _("Company name")),
    ("phone", _("Phone")), ("mobile_phone", _("Mobile phone")), ("fax", _("Fax")),
    ("account_number", _("Account number")), ("first_name", _("First name")), ("last_name", _("Last name")),
    ("full_name", _("Full name")), ("website", _("Web site")), ("city", _("City")),
    ("postal_code", _("Postal code")), ("address_line1", _("Street")), ("job_title", _("Job title")),
    ("account", _("Account")), ("parent_account", _("Parent account")),
]


def register_all():
    register(EntitySpec(
        set_name="duplicate-rules",
        model=DuplicateRule,
        label=_("Duplicate detection rule"),
        label_plural=_("Duplicate detection rules"),
        primary_field="name",
        fields=["name", "base_entity", "matching_entity", "mode", "similarity", "exclude_inactive", "description"],
        quick_find=["name"],
        default_columns=["name", "base_entity", "matching_entity", "mode", "state"],
        default_ordering=["name"],
        area="settings",
        features=frozenset({"audit", "state"}),
        field_overrides={"base_entity": {"type": "choice", "choices": CHECKED_SETS},
                         "matching_entity": {"type": "choice", "choices": CHECKED_SETS}},
        tabs=[Tab(_("General"), [
            Section(_("Rule"), ["name", "base_entity", "matching_entity", "mode"]),
            Section(_("Matching"), ["similarity", "exclude_inactive", "description"]),
        ])],
        sub_grids=[SubGrid("duplicate-rule-conditions", "rule", _("Conditions"),
                           ["base_field", "kind", "matching_field", "length"])],
        icon="copy",
    ))
    register(EntitySpec(
        set_name="duplicate-rule-conditions",
        model=DuplicateCondition,
        label=_("Duplicate rule condition"),
        label_plural=_("Duplicate rule conditions"),
        primary_field="description",
        fields=["rule", "base_field", "kind", "length", "matching_field", "description"],
        quick_find=["description"],
        default_columns=["description", "rule", "base_field", "kind", "matching_field", "length"],
        default_ordering=["rule", "description"],
        area="related",
        features=frozenset({"audit"}),
        field_overrides={"rule": {"required": True},
                         "base_field": {"type": "choice", "choices": RULE_FIELDS},
                         "matching_field": {"type": "choice", "choices": RULE_FIELDS}},
        icon="copy",
    ))
