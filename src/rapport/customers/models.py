"""Accounts (CUS-1) and contacts (CUS-2)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import OwnedRecord
from rapport.customers.choices import Industry, PreferredContactMethod, RelationshipType, Salutation

currency_code = RegexValidator(r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code, e.g. EUR."))


def base_currency():
    return getattr(settings, "RAPPORT_BASE_CURRENCY", "USD")


class Address(models.Model):
    """The primary address, flat on the record (more addresses come later as their own set)."""

    address_line1 = models.CharField(_("street"), max_length=200, blank=True, default="")
    address_line2 = models.CharField(_("street 2"), max_length=200, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    state_province = models.CharField(_("state/province"), max_length=100, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    country = models.CharField(_("country"), max_length=100, blank=True, default="")

    class Meta:
        abstract = True


class Account(OwnedRecord, Address):
    """A company or organisation the business deals with; accounts form a hierarchy."""

    name = models.CharField(_("account name"), max_length=160)
    account_number = models.CharField(_("account number"), max_length=40, blank=True, default="")
    parent_account = models.ForeignKey(
        "self", verbose_name=_("parent account"), null=True, blank=True, on_delete=models.PROTECT, related_name="child_accounts"
    )
    primary_contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("primary contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True, default="")
    relationship_type = models.CharField(
        _("relationship type"), max_length=32, choices=RelationshipType.choices, blank=True, default=""
    )
    phone = models.CharField(_("main phone"), max_length=50, blank=True, default="")
    fax = models.CharField(_("fax"), max_length=50, blank=True, default="")
    email = models.EmailField(_("e-mail"), max_length=200, blank=True, default="")
    website = models.URLField(_("web site"), max_length=200, blank=True, default="")
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True, validators=[MinValueValidator(0)])
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=19, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=19, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    credit_hold = models.BooleanField(_("credit hold"), default=False)
    blacklisted = models.BooleanField(_("blacklisted"), default=False)
    description = models.TextField(_("description"), blank=True, default="")
    currency = models.CharField(_("currency"), max_length=3, default=base_currency, validators=[currency_code])
    # The customer pool (SAL-21): an account nobody owns waits in its business unit's public pool or the
    # agent administrator's pool; only the pool actions (rapport.pool) set these.
    pool = models.CharField(_("pool"), max_length=8, blank=True, default="", editable=False,
                            choices=[("public", _("Public pool")), ("agent", _("Agent administrator's pool"))])
    pooled_on = models.DateTimeField(_("in the pool since"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["state", "name", "id"], name="account_state_name_idx"),
            models.Index(fields=["owner_user", "state", "name", "id"], name="account_owner_name_idx"),
            models.Index(fields=["owner_team", "state", "name", "id"], name="account_team_name_idx"),
            models.Index(fields=["owning_business_unit", "state", "name"], name="account_bu_name_idx"),
            models.Index(fields=["-modified_on", "-id"], name="account_modified_idx"),
            models.Index(fields=["city", "name"], name="account_city_idx"),
            models.Index(fields=["industry", "name"], name="account_industry_idx"),
            # A business unit's pool, newest first; partial, so owned accounts cost nothing.
            models.Index(fields=["pool", "owning_business_unit", "-pooled_on"], name="account_pool_idx",
                         condition=~models.Q(pool="")),
        ]

    def clean(self):
        if self.parent_account_id and self.parent_account_id == self.pk:
            raise ValidationError({"parent_account": _("An account cannot be its own parent.")})
        if self.parent_account_id:
            seen = {self.pk}
            current = self.parent_account_id
            while current is not None:
                if current in seen:
                    raise ValidationError({"parent_account": _("This parent would make a loop in the account hierarchy.")})
                seen.add(current)
                current = Account.objects.filter(pk=current).values_list("parent_account_id", flat=True).first()


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def compose_full_name(first_name: str, last_name: str) -> str:
    """"First Last", or "姓名" without a space when the name is Chinese/Japanese."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


class Contact(OwnedRecord, Address):
    """A person, usually working for an account."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=201, blank=True, default="", editable=False)
    salutation = models.CharField(_("salutation"), max_length=10, choices=Salutation.choices, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    account = models.ForeignKey(
        Account, verbose_name=_("account"), null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    email = models.EmailField(_("e-mail"), max_length=200, blank=True, default="")
    phone = models.CharField(_("business phone"), max_length=50, blank=True, default="")
    mobile_phone = models.CharField(_("mobile phone"), max_length=50, blank=True, default="")
    fax = models.CharField(_("fax"), max_length=50, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferred_contact_method = models.CharField(
        _("preferred contact method"), max_length=16, choices=PreferredContactMethod.choices, blank=True, default=""
    )
    do_not_email = models.BooleanField(_("do not e-mail"), default=False)
    do_not_phone = models.BooleanField(_("do not phone"), default=False)
    do_not_mail = models.BooleanField(_("do not mail"), default=False)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["state", "full_name", "id"], name="contact_state_name_idx"),
            models.Index(fields=["owner_user", "state", "full_name", "id"], name="contact_owner_name_idx"),
            models.Index(fields=["owner_team", "state", "full_name", "id"], name="contact_team_name_idx"),
            models.Index(fields=["-modified_on", "-id"], name="contact_modified_idx"),
            models.Index(fields=["email"], name="contact_email_idx"),
        ]

    def clean(self):
        self.full_name = compose_full_name(self.first_name, self.last_name)
        if self.birthday and self.birthday.year < 1900:
            raise ValidationError({"birthday": _("Enter a birthday after 1900.")})
