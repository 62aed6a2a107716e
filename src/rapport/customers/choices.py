"""Option sets of accounts and contacts (stable lower-case codes, translated labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.TextChoices):
    ACCOUNTING = "accounting", _("Accounting")
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    CONSULTING = "consulting", _("Consulting")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy")
    FINANCE = "finance", _("Finance")
    FORESTRY = "forestry", _("Forestry")
    GOVERNMENT = "government", _("Government")
    HEALTHCARE = "healthcare", _("Healthcare")
    HOSPITALITY = "hospitality", _("Hospitality")
    LOGISTICS = "logistics", _("Transport and logistics")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media")
    MINING = "mining", _("Mining")
    REAL_ESTATE = "real_estate", _("Real estate")
    RETAIL = "retail", _("Retail")
    TECHNOLOGY = "technology", _("Technology")
    TELECOMMUNICATIONS = "telecommunications", _("Telecommunications")
    WHOLESALE = "wholesale", _("Wholesale")
    OTHER = "other", _("Other")


class RelationshipType(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    RESELLER = "reseller", _("Reseller")
    SUPPLIER = "supplier", _("Supplier")
    COMPETITOR = "competitor", _("Competitor")
    INVESTOR = "investor", _("Investor")
    OTHER = "other", _("Other")


class PreferredContactMethod(models.TextChoices):
    ANY = "any", _("Any")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MAIL = "mail", _("Mail")
    SMS = "sms", _("SMS")


class Salutation(models.TextChoices):
    MR = "mr", _("Mr")
    MS = "ms", _("Ms")
    MRS = "mrs", _("Mrs")
    DR = "dr", _("Dr")
    PROF = "prof", _("Prof.")


INACTIVE_REASONS = [
    ("closed", _("Business closed")),
    ("duplicate", _("Duplicate")),
    ("moved", _("No longer a customer")),
    ("other", _("Other")),
]
