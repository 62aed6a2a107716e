"""Registration of the sales entities: everything generic (API, lists, forms, detail pages, audit,
permissions, search) reads this metadata.

Child records (opportunity lines, competitor links, close records, stages, criteria) have the area
``related``: they have pages (reached from their parent's sub-grids) but no navigation entry, and
their access follows their parent (``read_filter``).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.entities import DetailPanel, EntitySpec, Section, SubGrid, Tab, register
from rapport.sales.actions import lead_actions, opportunity_actions
from rapport.sales.choices import (
    LEAD_STATES,
    LEAD_STATUS_REASONS,
    OPPORTUNITY_STATES,
    OPPORTUNITY_STATUS_REASONS,
)
from rapport.sales.models import (
    Competitor,
    Lead,
    Opportunity,
    OpportunityClose,
    OpportunityCompetitor,
    OpportunityProduct,
    SalesLiterature,
    SalesProcess,
    SalesStage,
    StageCriterion,
    Subject,
    WebForm,
)

ADDRESS = ["address_line1", "address_line2", "city", "state_province", "postal_code", "country"]
RELATED = "related"  # pages but no navigation entry (see the module docstring)
READ_ONLY = {"read_only": True}


def follows_opportunity(user, privilege: str) -> Q:
    """A line, competitor link or close record is reached through its opportunity, with the same privilege."""
    return Q(opportunity__in=Opportunity.objects.for_user(user, privilege).values("pk"))


def _stage_bar(request, spec, record):
    from rapport.sales.views import stage_bar_context

    return stage_bar_context(request, record)


def _competitor_panel(request, spec, record):
    from rapport.sales.views import competitor_panel_context

    return competitor_panel_context(request, record)


def register_all():
    register(EntitySpec(
        set_name="leads",
        model=Lead,
        label=_("Lead"),
        label_plural=_("Leads"),
        primary_field="full_name",
        fields=[
            "topic", "salutation", "first_name", "last_name", "full_name", "job_title", "company_name", "rating",
            "email", "phone", "mobile_phone", "fax", "website", *ADDRESS, "industry", "annual_revenue", "currency",
            "employees", "lead_source", "source_campaign", "referred_by", "description", "qualified_account",
            "qualified_contact", "qualified_opportunity", "web_form",
        ],
        quick_find=["full_name", "topic", "company_name", "email", "phone", "mobile_phone"],
        default_columns=["full_name", "topic", "company_name", "rating", "lead_source", "owner", "created_on"],
        default_ordering=["-created_on"],
        area="sales",
        features=frozenset({"audit", "state", "notes", "connections"}),
        states=LEAD_STATES,
        status_reasons=LEAD_STATUS_REASONS,
        read_only_states=frozenset({"qualified", "disqualified"}),
        initial_state="open",
        actions=lead_actions(),
        field_overrides={
            "full_name": READ_ONLY, "qualified_account": READ_ONLY, "qualified_contact": READ_ONLY,
            "qualified_opportunity": READ_ONLY, "web_form": READ_ONLY, "annual_revenue": {"type": "money"},
        },
        tabs=[
            Tab(_("Summary"), [
                Section(_("Lead"), ["topic", "rating", "lead_source", "source_campaign", "referred_by"]),
                Section(_("Contact"), ["salutation", "first_name", "last_name", "job_title", "email", "phone",
                                       "mobile_phone", "fax"]),
                Section(_("Company"), ["company_name", "website", "industry", "annual_revenue", "currency", "employees"]),
            ]),
            Tab(_("Details"), [
                Section(_("Address"), ADDRESS),
                Section(_("Description"), ["description"]),
                Section(_("Qualified into"), ["qualified_account", "qualified_contact", "qualified_opportunity",
                                              "web_form"]),
            ]),
        ],
        icon="funnel",
    ))
    register(EntitySpec(
        set_name="opportunities",
        model=Opportunity,
        label=_("Opportunity"),
        label_plural=_("Opportunities"),
        primary_field="topic",
        fields=[
            "topic", "customer", "contact", "originating_lead", "source_campaign", "currency", "price_list",
            "estimated_revenue", "revenue_system_calculated", "probability", "estimated_close_date", "delivery_date",
            "sales_process", "stage", "stage_entered_on", "completed_criteria", "customer_need",
            "special_requirements", "purchase_timeframe", "budget_amount", "decision_maker_known", "strengths",
            "weaknesses", "actual_revenue", "actual_close_date", "description",
        ],
        quick_find=["topic"],
        default_columns=["topic", "customer", "stage", "estimated_revenue", "probability", "estimated_close_date", "owner"],
        default_ordering=["estimated_close_date"],
        area="sales",
        features=frozenset({"audit", "state", "notes", "connections"}),
        states=OPPORTUNITY_STATES,
        status_reasons=OPPORTUNITY_STATUS_REASONS,
        read_only_states=frozenset({"won", "lost"}),
        initial_state="open",
        actions=opportunity_actions(),
        field_overrides={
            "customer": {"type": "polylookup", "label": _("Customer"), "required": True, "sortable": False,
                         "targets": {"accounts": "customer_account", "contacts": "customer_contact"},
                         "lookup_url": "/sales/customers/lookup/"},
            "stage": READ_ONLY, "stage_entered_on": READ_ONLY, "completed_criteria": READ_ONLY,
            "actual_revenue": {"read_only": True, "type": "money"}, "actual_close_date": READ_ONLY,
            "price_list": {"read_only": True},
            "estimated_revenue": {"type": "money"}, "budget_amount": {"type": "money"},
        },
        tabs=[
            Tab(_("Summary"), [
                Section(_("Opportunity"), ["topic", "customer", "contact", "sales_process", "stage", "probability",
                                           "estimated_close_date"]),
                Section(_("Revenue"), ["currency", "revenue_system_calculated", "estimated_revenue", "budget_amount",
                                       "actual_revenue", "actual_close_date"]),
            ]),
            Tab(_("Details"), [
                Section(_("Need"), ["customer_need", "special_requirements", "purchase_timeframe",
                                    "decision_maker_known", "delivery_date"]),
                Section(_("Strengths and weaknesses"), ["strengths", "weaknesses"]),
                Section(_("Source"), ["originating_lead", "source_campaign", "description"]),
            ]),
        ],
        sub_grids=[
            SubGrid("opportunity-products", "opportunity", _("Products"),
                    ["product_name", "quantity", "price_per_unit", "manual_discount", "extended_amount"]),
            SubGrid("opportunity-competitors", "opportunity", _("Competitors"), ["competitor", "notes"]),
            SubGrid("opportunity-closes", "opportunity", _("Close history"),
                    ["subject", "outcome", "reason", "close_date", "competitor"]),
        ],
        detail_panels=[DetailPanel("sales/_stage_bar.html", _stage_bar)],
        icon="target",
    ))
    register(EntitySpec(
        set_name="opportunity-products",
        model=OpportunityProduct,
        label=_("Opportunity product"),
        label_plural=_("Opportunity products"),
        primary_field="product_name",
        fields=["opportunity", "product_name", "description", "quantity", "unit", "price_per_unit", "manual_discount",
                "extended_amount", "currency", "sequence"],
        quick_find=["product_name"],
        default_columns=["product_name", "opportunity", "quantity", "price_per_unit", "extended_amount"],
        default_ordering=["sequence", "product_name"],
        area=RELATED,
        read_filter=follows_opportunity,
        field_overrides={
            "extended_amount": {"read_only": True, "type": "money"}, "currency": READ_ONLY,
            "price_per_unit": {"type": "money"}, "manual_discount": {"type": "money"},
        },
        tabs=[Tab(_("Product"), [Section(_("Product"), ["opportunity", "product_name", "description", "sequence"]),
                                 Section(_("Pricing"), ["quantity", "unit", "price_per_unit", "manual_discount",
                                                        "extended_amount"])])],
    ))
    register(EntitySpec(
        set_name="opportunity-competitors",
        model=OpportunityCompetitor,
        label=_("Opportunity competitor"),
        label_plural=_("Opportunity competitors"),
        primary_field="notes",
        fields=["opportunity", "competitor", "notes"],
        quick_find=["notes"],
        default_columns=["competitor", "opportunity", "notes"],
        default_ordering=["-created_on"],
        area=RELATED,
        read_filter=follows_opportunity,
    ))
    register(EntitySpec(
        set_name="opportunity-closes",
        model=OpportunityClose,
        label=_("Opportunity close"),
        label_plural=_("Opportunity closes"),
        primary_field="subject",
        fields=["opportunity", "subject", "outcome", "reason", "actual_revenue", "close_date", "competitor", "description"],
        quick_find=["subject"],
        default_columns=["subject", "outcome", "reason", "close_date", "competitor"],
        default_ordering=["-created_on"],
        area=RELATED,
        read_filter=follows_opportunity,
        creatable=False,
        field_overrides={"actual_revenue": {"type": "money"}},
    ))
    register(EntitySpec(
        set_name="competitors",
        model=Competitor,
        label=_("Competitor"),
        label_plural=_("Competitors"),
        primary_field="name",
        fields=["name", "ticker_symbol", "key_product", "website", "reported_revenue", "currency", *ADDRESS, "overview",
                "strengths", "weaknesses", "opportunities", "threats"],
        quick_find=["name", "ticker_symbol", "key_product"],
        default_columns=["name", "key_product", "website", "reported_revenue", "modified_on"],
        default_ordering=["name"],
        area="sales",
        features=frozenset({"audit", "notes", "connections"}),
        field_overrides={"reported_revenue": {"type": "money"}},
        tabs=[
            Tab(_("Summary"), [
                Section(_("Competitor"), ["name", "ticker_symbol", "key_product", "website", "reported_revenue",
                                          "currency"]),
                Section(_("Overview"), ["overview"]),
                Section(_("Address"), ADDRESS),
            ]),
            Tab(_("Analysis (SWOT)"), [Section(_("Analysis (SWOT)"), ["strengths", "weaknesses", "opportunities", "threats"])]),
        ],
        sub_grids=[SubGrid("sales-literature", "competitor", _("Sales literature"), ["title", "literature_type", "expires_on"])],
        detail_panels=[DetailPanel("sales/_competitor_panel.html", _competitor_panel)],
        icon="flag",
    ))
    register(EntitySpec(
        set_name="sales-literature",
        model=SalesLiterature,
        label=_("Sales literature"),
        label_plural=_("Sales literature"),
        primary_field="title",
        fields=["title", "subject", "literature_type", "employee_contact", "competitor", "expires_on", "description"],
        quick_find=["title", "description"],
        default_columns=["title", "subject", "literature_type", "expires_on", "modified_on"],
        default_ordering=["title"],
        area="sales",
        features=frozenset({"audit", "notes"}),
        icon="book",
    ))
    register(EntitySpec(
        set_name="subjects",
        model=Subject,
        label=_("Subject"),
        label_plural=_("Subjects"),
        primary_field="name",
        fields=["name", "parent", "description"],
        quick_find=["name"],
        default_columns=["name", "parent", "modified_on"],
        default_ordering=["name"],
        area="settings",
        sub_grids=[SubGrid("subjects", "parent", _("Sub-subjects"), ["name", "description"]),
                   SubGrid("sales-literature", "subject", _("Sales literature"), ["title", "literature_type", "expires_on"])],
    ))
    register(EntitySpec(
        set_name="sales-processes",
        model=SalesProcess,
        label=_("Sales process"),
        label_plural=_("Sales processes"),
        primary_field="name",
        fields=["name", "code", "description", "is_default"],
        quick_find=["name", "code"],
        default_columns=["name", "code", "is_default"],
        default_ordering=["name"],
        area="settings",
        sub_grids=[SubGrid("sales-stages", "sales_process", _("Stages"), ["sequence", "name", "code", "probability", "outcome"])],
    ))
    register(EntitySpec(
        set_name="sales-stages",
        model=SalesStage,
        label=_("Sales stage"),
        label_plural=_("Sales stages"),
        primary_field="name",
        fields=["sales_process", "code", "name", "sequence", "probability", "outcome"],
        quick_find=["name", "code"],
        default_columns=["name", "sales_process", "sequence", "probability", "outcome"],
        default_ordering=["sequence"],
        area=RELATED,
        sub_grids=[SubGrid("stage-criteria", "stage", _("Exit criteria"), ["sequence", "name", "is_required"])],
    ))
    register(EntitySpec(
        set_name="stage-criteria",
        model=StageCriterion,
        label=_("Stage criterion"),
        label_plural=_("Stage criteria"),
        primary_field="name",
        fields=["stage", "name", "sequence", "is_required"],
        quick_find=["name"],
        default_columns=["name", "stage", "sequence", "is_required"],
        default_ordering=["sequence"],
        area=RELATED,
    ))
    register(EntitySpec(
        set_name="web-forms",
        model=WebForm,
        label=_("Web form"),
        label_plural=_("Web forms"),
        primary_field="name",
        fields=["name", "form_key", "lead_source", "default_owner", "is_active"],
        quick_find=["name"],
        default_columns=["name", "lead_source", "default_owner", "is_active"],
        default_ordering=["name"],
        area="settings",
        field_overrides={"form_key": READ_ONLY},
        sub_grids=[SubGrid("leads", "web_form", _("Leads from this form"), ["full_name", "topic", "company_name", "created_on"])],
    ))
