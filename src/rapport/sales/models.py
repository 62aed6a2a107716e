"""Sales: leads (SAL-1..4), opportunities with lines, competitors and close records (SAL-6, 8, 9, 10),
configurable sales processes (SAL-7), sales literature with its subject tree (SAL-11), web forms.

Cross-field rules live in ``clean()`` (run by the action layer on every save), so the UI, the API,
imports and the public web-lead endpoint report the same messages.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import OwnedRecord, Record
from rapport.customers.choices import Industry, Salutation
from rapport.customers.models import (
    Account,
    Address,
    Contact,
    base_currency,
    compose_full_name,
    currency_code,
)
from rapport.sales.choices import (
    CLOSE_OUTCOMES,
    LeadSource,
    LiteratureType,
    PurchaseTimeframe,
    Rating,
    StageOutcome,
)


def money(label, **options):
    """A money amount: 19 digits, 2 decimals, never negative (currency on the record)."""
    options.setdefault("null", True)
    options.setdefault("blank", True)
    return models.DecimalField(label, max_digits=19, decimal_places=2, validators=[MinValueValidator(0)], **options)


# --- sales processes (SAL-7) ----------------------------------------------------------------------


class SalesProcess(Record):
    """A configurable sales process: ordered stages, each with exit criteria and a default probability."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_default = models.BooleanField(_("default process"), default=False)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")


class SalesStage(Record):
    """One stage of a process; ``outcome`` tells the closing stages (won, lost) from the open ones."""

    sales_process = models.ForeignKey(SalesProcess, verbose_name=_("sales process"), on_delete=models.CASCADE,
                                      related_name="stages")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    probability = models.PositiveSmallIntegerField(_("default probability"), default=0,
                                                   validators=[MaxValueValidator(100)])
    outcome = models.CharField(_("outcome"), max_length=8, choices=StageOutcome.choices, default=StageOutcome.OPEN)

    class Meta:
        verbose_name = _("sales stage")
        verbose_name_plural = _("sales stages")
        constraints = [models.UniqueConstraint(fields=["sales_process", "code"], name="sales_stage_code_unique")]
        indexes = [models.Index(fields=["sales_process", "sequence"], name="sales_stage_sequence_idx")]

    def clean(self):
        if self.code and self.sales_process_id:
            clash = SalesStage.objects.filter(sales_process_id=self.sales_process_id, code=self.code).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"code": _("The process already has a stage with this code.")})


class StageCriterion(Record):
    """An exit criterion of a stage: a checklist item ticked per opportunity before it is promoted."""

    stage = models.ForeignKey(SalesStage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    is_required = models.BooleanField(_("required to promote"), default=True)

    class Meta:
        verbose_name = _("stage criterion")
        verbose_name_plural = _("stage criteria")
        indexes = [models.Index(fields=["stage", "sequence"], name="stage_criterion_sequence_idx")]


# --- leads (SAL-1) -------------------------------------------------------------------------------


class Lead(OwnedRecord, Address):
    """A prospect not yet qualified: open, then qualified (into account/contact/opportunity) or disqualified."""

    topic = models.CharField(_("topic"), max_length=300)
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100)
    full_name = models.CharField(_("name"), max_length=201, blank=True, default="", editable=False)
    company_name = models.CharField(_("company name"), max_length=160)
    salutation = models.CharField(_("salutation"), max_length=10, choices=Salutation.choices, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    rating = models.CharField(_("rating"), max_length=8, choices=Rating.choices, blank=True, default="")
    email = models.EmailField(_("e-mail"), max_length=200, blank=True, default="")
    phone = models.CharField(_("business phone"), max_length=50, blank=True, default="")
    mobile_phone = models.CharField(_("mobile phone"), max_length=50, blank=True, default="")
    fax = models.CharField(_("fax"), max_length=50, blank=True, default="")
    website = models.URLField(_("web site"), max_length=200, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True, default="")
    annual_revenue = money(_("annual revenue"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=base_currency, validators=[currency_code])
    lead_source = models.CharField(_("lead source"), max_length=32, choices=LeadSource.choices, blank=True, default="")
    source_campaign = models.CharField(_("source campaign"), max_length=200, blank=True, default="")
    referred_by = models.CharField(_("referred by"), max_length=200, blank=True, default="",
                                   help_text=_("Who referred this lead (required when the source is a referral)."))
    description = models.TextField(_("description"), blank=True, default="")
    qualified_account = models.ForeignKey(Account, verbose_name=_("qualified into account"), null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="originating_leads")
    qualified_contact = models.ForeignKey(Contact, verbose_name=_("qualified into contact"), null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="originating_leads")
    qualified_opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("qualified into opportunity"),
                                              null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    web_form = models.ForeignKey("sales.WebForm", verbose_name=_("web form"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="leads")
    # The customer pool (SAL-21): a lead nobody owns waits in its business unit's public pool or the
    # agent administrator's pool; only the pool actions (rapport.pool) set these.
    pool = models.CharField(_("pool"), max_length=8, blank=True, default="", editable=False,
                            choices=[("public", _("Public pool")), ("agent", _("Agent administrator's pool"))])
    pooled_on = models.DateTimeField(_("in the pool since"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["state", "full_name", "id"], name="lead_state_name_idx"),
            models.Index(fields=["owner_user", "state", "full_name", "id"], name="lead_owner_name_idx"),
            models.Index(fields=["owner_team", "state", "full_name", "id"], name="lead_team_name_idx"),
            models.Index(fields=["owning_business_unit", "state"], name="lead_bu_state_idx"),
            models.Index(fields=["-modified_on", "-id"], name="lead_modified_idx"),
            models.Index(fields=["lead_source", "state"], name="lead_source_state_idx"),
            models.Index(fields=["state", "status_reason"], name="lead_state_reason_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            # A business unit's pool, newest first; partial, so owned leads cost nothing.
            models.Index(fields=["pool", "owning_business_unit", "-pooled_on"], name="lead_pool_idx",
                         condition=~models.Q(pool="")),
        ]

    def clean(self):
        self.full_name = compose_full_name(self.first_name, self.last_name)
        # WESTRAC: every referred sales opportunity records its referrer.
        if self.lead_source == LeadSource.REFERRAL and not (self.referred_by or "").strip():
            raise ValidationError({"referred_by": _("A referred lead must record who referred it.")})


# --- competitors (SAL-10) ------------------------------------------------------------------------


class Competitor(Record, Address):
    """A company competing for the same deals, with its SWOT analysis."""

    name = models.CharField(_("name"), max_length=160)
    ticker_symbol = models.CharField(_("ticker symbol"), max_length=10, blank=True, default="")
    key_product = models.CharField(_("key product"), max_length=200, blank=True, default="")
    website = models.URLField(_("web site"), max_length=200, blank=True, default="")
    reported_revenue = money(_("reported revenue"))
    currency = models.CharField(_("currency"), max_length=3, default=base_currency, validators=[currency_code])
    overview = models.TextField(_("overview"), blank=True, default="")
    strengths = models.TextField(_("strengths"), blank=True, default="")
    weaknesses = models.TextField(_("weaknesses"), blank=True, default="")
    opportunities = models.TextField(_("opportunities"), blank=True, default="")
    threats = models.TextField(_("threats"), blank=True, default="")

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        indexes = [models.Index(fields=["name", "id"], name="competitor_name_idx")]


# --- opportunities (SAL-6, SAL-8, SAL-9) ---------------------------------------------------------


class Opportunity(OwnedRecord):
    """A qualified potential sale to an account or a contact, moving through a sales process."""

    topic = models.CharField(_("topic"), max_length=300)
    customer_account = models.ForeignKey(Account, verbose_name=_("customer account"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="opportunities")
    customer_contact = models.ForeignKey(Contact, verbose_name=_("customer contact"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="customer_opportunities")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="contact_opportunities")
    originating_lead = models.ForeignKey(Lead, verbose_name=_("originating lead"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="opportunities")
    source_campaign = models.CharField(_("source campaign"), max_length=200, blank=True, default="")
    currency = models.CharField(_("currency"), max_length=3, default=base_currency, validators=[currency_code])
    # The catalog's price lists arrive with the catalog issue; until then the id is kept as given.
    price_list = models.UUIDField(_("price list"), null=True, blank=True)
    estimated_revenue = money(_("estimated revenue"))
    revenue_system_calculated = models.BooleanField(
        _("revenue calculated from products"), default=False,
        help_text=_("When set, the estimated revenue is the sum of the product lines."))
    probability = models.PositiveSmallIntegerField(_("probability (%)"), null=True, blank=True,
                                                   validators=[MaxValueValidator(100)])
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    sales_process = models.ForeignKey(SalesProcess, verbose_name=_("sales process"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="opportunities")
    stage = models.CharField(_("sales stage"), max_length=32, blank=True, default="")
    stage_entered_on = models.DateTimeField(_("in stage since"), null=True, blank=True)
    completed_criteria = models.JSONField(_("completed exit criteria"), default=list, blank=True)
    customer_need = models.TextField(_("customer need"), blank=True, default="")
    special_requirements = models.TextField(_("special requirements"), blank=True, default="")
    purchase_timeframe = models.CharField(_("purchase timeframe"), max_length=16, choices=PurchaseTimeframe.choices,
                                          blank=True, default="")
    budget_amount = money(_("budget"))
    decision_maker_known = models.BooleanField(_("decision maker known"), default=False)
    strengths = models.TextField(_("strengths"), blank=True, default="")
    weaknesses = models.TextField(_("weaknesses"), blank=True, default="")
    actual_revenue = money(_("actual revenue"))
    actual_close_date = models.DateField(_("actual close date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True, default="")
    competitors = models.ManyToManyField(Competitor, through="sales.OpportunityCompetitor", blank=True,
                                         related_name="competed_opportunities")

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["state", "estimated_close_date"], name="opportunity_state_close_idx"),
            models.Index(fields=["owner_user", "state", "estimated_close_date"], name="opportunity_owner_close_idx"),
            models.Index(fields=["owner_team", "state", "estimated_close_date"], name="opportunity_team_close_idx"),
            models.Index(fields=["owning_business_unit", "state", "estimated_close_date"], name="opportunity_bu_close_idx"),
            models.Index(fields=["sales_process", "stage", "state"], name="opportunity_stage_idx"),
            models.Index(fields=["state", "actual_close_date"], name="opportunity_actual_close_idx"),
            models.Index(fields=["-modified_on", "-id"], name="opportunity_modified_idx"),
            models.Index(fields=["topic", "id"], name="opportunity_topic_idx"),
        ]

    def clean(self):
        from rapport.sales.processes import default_process, first_open_stage, stage_of

        errors = {}
        if not self.customer_account_id and not self.customer_contact_id:
            errors["customer"] = [_("Choose the customer: an account or a contact.")]
        if self.sales_process_id is None:
            self.sales_process = default_process()
        if self.sales_process_id is not None:
            stage = stage_of(self.sales_process_id, self.stage) if self.stage else None
            if stage is None:
                stage = first_open_stage(self.sales_process_id)
                if stage is not None:
                    self.stage = stage.code
                    self.stage_entered_on = None
            if stage is not None and self.probability is None:
                self.probability = stage.probability
            if self.stage and self.stage_entered_on is None:
                from django.utils import timezone

                self.stage_entered_on = self.modified_on or timezone.now()
        if self.revenue_system_calculated and self.pk is not None:
            total = self.lines.aggregate(total=models.Sum("extended_amount"))["total"] if not self._state.adding else None
            self.estimated_revenue = total if total is not None else Decimal("0.00")
        elif self.revenue_system_calculated:
            self.estimated_revenue = Decimal("0.00")
        if errors:
            raise ValidationError(errors)


class OpportunityProduct(Record):
    """A line of an opportunity: a write-in product (catalog products come with the catalog)."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE,
                                    related_name="lines")
    product_name = models.CharField(_("write-in product"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"),
                                   validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=40, blank=True, default="")
    price_per_unit = money(_("price per unit"), null=False, default=Decimal("0"))
    manual_discount = money(_("manual discount"), null=False, default=Decimal("0"))
    extended_amount = money(_("extended amount"), null=False, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    sequence = models.PositiveSmallIntegerField(_("line number"), default=1)

    class Meta:
        verbose_name = _("opportunity product")
        verbose_name_plural = _("opportunity products")
        indexes = [models.Index(fields=["opportunity", "sequence"], name="opportunity_line_idx")]

    def clean(self):
        quantity = self.quantity or Decimal("0")
        gross = (quantity * (self.price_per_unit or Decimal("0"))).quantize(Decimal("0.01"))
        discount = self.manual_discount or Decimal("0")
        if discount > gross:
            raise ValidationError({"manual_discount": _("The discount cannot exceed the line amount.")})
        self.extended_amount = gross - discount
        if self.opportunity_id:
            self.currency = Opportunity.objects.filter(pk=self.opportunity_id).values_list("currency", flat=True).first() or ""


class OpportunityCompetitor(Record):
    """A competitor in an opportunity (the opportunity's competitor list)."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE,
                                    related_name="competitor_links")
    competitor = models.ForeignKey(Competitor, verbose_name=_("competitor"), on_delete=models.CASCADE,
                                   related_name="opportunity_links")
    notes = models.CharField(_("notes"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("opportunity competitor")
        verbose_name_plural = _("opportunity competitors")
        constraints = [models.UniqueConstraint(fields=["opportunity", "competitor"], name="opportunity_competitor_unique")]
        indexes = [models.Index(fields=["competitor", "opportunity"], name="competitor_opportunity_idx")]

    def clean(self):
        if self.opportunity_id and self.competitor_id:
            clash = OpportunityCompetitor.objects.filter(opportunity_id=self.opportunity_id,
                                                         competitor_id=self.competitor_id).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"competitor": _("This competitor is already listed on the opportunity.")})

    def __str__(self):
        return str(self.competitor) if self.competitor_id else ""


class OpportunityClose(Record):
    """The record of closing an opportunity as won or lost (the close activity until activities exist)."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE,
                                    related_name="closes")
    subject = models.CharField(_("subject"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=8, choices=CLOSE_OUTCOMES)
    reason = models.CharField(_("reason"), max_length=32, blank=True, default="")
    actual_revenue = money(_("actual revenue"))
    close_date = models.DateField(_("close date"))
    competitor = models.ForeignKey(Competitor, verbose_name=_("competitor"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="closes")
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("opportunity close")
        verbose_name_plural = _("opportunity closes")
        indexes = [
            models.Index(fields=["opportunity", "-created_on"], name="opportunity_close_idx"),
            models.Index(fields=["competitor", "outcome"], name="opportunity_close_comp_idx"),
        ]


# --- sales literature (SAL-11) -------------------------------------------------------------------


class Subject(Record):
    """A node of the subject tree that classifies literature (and later products, cases, articles)."""

    name = models.CharField(_("title"), max_length=200)
    parent = models.ForeignKey("self", verbose_name=_("parent subject"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        indexes = [models.Index(fields=["parent", "name"], name="subject_parent_idx")]

    def clean(self):
        seen = {self.pk}
        current = self.parent_id
        while current is not None:
            if current in seen:
                raise ValidationError({"parent": _("This parent would make a loop in the subject tree.")})
            seen.add(current)
            current = Subject.objects.filter(pk=current).values_list("parent_id", flat=True).first()


class SalesLiterature(Record):
    """Brochures, price and specification sheets…; the documents are notes with attachments."""

    title = models.CharField(_("title"), max_length=200)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="literature")
    literature_type = models.CharField(_("type"), max_length=20, choices=LiteratureType.choices, blank=True, default="")
    employee_contact = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("employee contact"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")
    competitor = models.ForeignKey(Competitor, verbose_name=_("competitor"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="literature")
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("sales literature")
        verbose_name_plural = _("sales literature")
        indexes = [
            models.Index(fields=["subject", "title"], name="literature_subject_idx"),
            models.Index(fields=["expires_on"], name="literature_expiry_idx"),
            models.Index(fields=["title", "id"], name="literature_title_idx"),
        ]


# --- web-to-lead (SAL-2) -------------------------------------------------------------------------


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


class WebForm(Record):
    """A public lead form; submissions to ``POST /api/v1/web-leads/`` name it by its key."""

    name = models.CharField(_("name"), max_length=100)
    form_key = models.CharField(_("form key"), max_length=64, unique=True, default=new_form_key, editable=False)
    lead_source = models.CharField(_("lead source"), max_length=32, choices=LeadSource.choices, blank=True,
                                   default=LeadSource.WEB_SITE)
    default_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("default owner"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
