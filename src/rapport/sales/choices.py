"""Option sets of the sales entities (stable lower-case codes, translated labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rating(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


class LeadSource(models.TextChoices):
    WEB_SITE = "web_site", _("Web site")
    CAMPAIGN_RESPONSE = "campaign_response", _("Campaign response")
    TRADE_SHOW = "trade_show", _("Trade show")
    REFERRAL = "referral", _("Referral")
    ADVERTISEMENT = "advertisement", _("Advertisement")
    WORD_OF_MOUTH = "word_of_mouth", _("Word of mouth")
    PUBLIC_RELATIONS = "public_relations", _("Public relations")
    OPERATOR_CLUB = "operator_club", _("Operator club")
    EMAIL = "email", _("E-mail")
    PHONE_CALL = "phone_call", _("Phone call")
    OTHER = "other", _("Other")


class PurchaseTimeframe(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    THIS_QUARTER = "this_quarter", _("This quarter")
    NEXT_QUARTER = "next_quarter", _("Next quarter")
    THIS_YEAR = "this_year", _("This year")
    UNKNOWN = "unknown", _("Unknown")


class StageOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LiteratureType(models.TextChoices):
    BROCHURE = "brochure", _("Brochure")
    PRICE_SHEET = "price_sheet", _("Price sheet")
    SPEC_SHEET = "spec_sheet", _("Specification sheet")
    PRESENTATION = "presentation", _("Presentation")
    NEWS = "news", _("News")
    POLICY = "policy", _("Policies and procedures")
    SALES_LITERATURE = "sales_literature", _("Sales literature")
    MANUALS = "manuals", _("Manuals")
    COMPETITOR_INFO = "competitor_info", _("Competitor information")
    OTHER = "other", _("Other")


LEAD_STATES = [("open", _("Open")), ("qualified", _("Qualified")), ("disqualified", _("Disqualified"))]
LEAD_STATUS_REASONS = {
    "open": [("new", _("New")), ("contacted", _("Contacted"))],
    "qualified": [("qualified", _("Qualified"))],
    "disqualified": [
        ("lost", _("Lost")),
        ("cannot_contact", _("Cannot contact")),
        ("no_longer_interested", _("No longer interested")),
        ("cancelled", _("Cancelled")),
        ("duplicate", _("Duplicate")),
        ("other", _("Other")),
    ],
}

OPPORTUNITY_STATES = [("open", _("Open")), ("won", _("Won")), ("lost", _("Lost"))]
LOSE_REASONS = [
    ("lost", _("Lost")),
    ("no_deal", _("No deal")),
    ("cancelled", _("Cancelled")),
    ("out_sold", _("Out-sold")),
]
OPPORTUNITY_STATUS_REASONS = {
    "open": [("in_progress", _("In progress")), ("on_hold", _("On hold"))],
    "won": [("won", _("Won"))],
    "lost": LOSE_REASONS,
}

CLOSE_OUTCOMES = [("won", _("Won")), ("lost", _("Lost"))]
