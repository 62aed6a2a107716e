"""The shipped sales processes (SAL-7) and the stage helpers every sales action uses.

Processes are data: an administrator edits them as ``sales-processes``, ``sales-stages`` and
``stage-criteria`` records. The two shipped ones — WESTRAC's seven stages with their exit criteria
from the seed, and the Dynamics 365 Qualify → Develop → Propose → Close process — are created on
``migrate`` (and on first use) when missing; a process an administrator changed is left alone.
Names are stored in English and shown through gettext, so shipped names are translated.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

WESTRAC = "westrac"
DYNAMICS = "dynamics-365"

# (code, name, probability, outcome, [exit criteria])
SHIPPED = {
    WESTRAC: {
        "name": N_("WESTRAC sales process"),
        "description": N_("Seven stages: identification, qualification, development, proposal, then closed won, "
                          "closed lost or closed no deal."),
        "is_default": True,
        "stages": [
            ("identification", N_("Identification"), 0, "open", [
                N_("Customer is in market"),
                N_("Customer is willing to have a dealer salesperson call on them"),
                N_("Customer has reason to buy within a specific time frame"),
            ]),
            ("qualification", N_("Qualification"), 20, "open", [
                N_("Buyers and influencers are identified"),
                N_("Business requirements are identified"),
                N_("Solution type and application are identified"),
                N_("The customer's decision process is known"),
                N_("Financial discussion and payment type are initiated"),
            ]),
            ("development", N_("Development"), 40, "open", [
                N_("Customer verbally commits to the solution"),
                N_("Price, configuration, delivery time and terms are agreed orally"),
                N_("Non-standard contract terms are resolved"),
            ]),
            ("proposal", N_("Proposal"), 60, "open", [
                N_("The proposal is presented to the buyer"),
            ]),
            ("closed_won", N_("Closed won"), 100, "won", []),
            ("closed_lost", N_("Closed lost"), 0, "lost", []),
            ("closed_no_deal", N_("Closed no deal"), 0, "lost", []),
        ],
    },
    DYNAMICS: {
        "name": N_("Dynamics 365 opportunity sales process"),
        "description": N_("Qualify, develop, propose, close."),
        "is_default": False,
        "stages": [
            ("qualify", N_("Qualify"), 10, "open", [
                N_("Identify the contact"), N_("Identify the account"), N_("Purchase timeframe is known"),
                N_("Estimated budget is known"), N_("Identify the decision maker"),
            ]),
            ("develop", N_("Develop"), 30, "open", [
                N_("Customer need is understood"), N_("Proposed solution is described"),
                N_("Identify stakeholders"), N_("Identify competitors"),
            ]),
            ("propose", N_("Propose"), 60, "open", [
                N_("Identify the sales team"), N_("Develop the proposal"), N_("Complete the internal review"),
                N_("Present the proposal"),
            ]),
            ("close", N_("Close"), 80, "open", [
                N_("Complete the final proposal"), N_("Present the final proposal"), N_("Confirm the decision date"),
            ]),
        ],
    },
}


def label(name: str) -> str:
    """A stored (English) process, stage or criterion name in the user's language."""
    return gettext(name) if name else ""


def ensure_shipped_processes() -> None:
    """Create the shipped processes that do not exist yet (by code); running it twice changes nothing.

    This is shipped configuration, like the shipped security roles, so it is written directly
    rather than through the record actions (no acting user, nothing to audit).
    """
    from rapport.sales.models import SalesProcess, SalesStage, StageCriterion

    existing = set(SalesProcess.objects.filter(code__in=list(SHIPPED)).values_list("code", flat=True))
    if len(existing) == len(SHIPPED):
        return
    with transaction.atomic():
        for code, process in SHIPPED.items():
            if code in existing:
                continue
            is_default = process["is_default"] and not SalesProcess.objects.filter(is_default=True).exists()
            record = SalesProcess.objects.create(code=code, name=process["name"], description=process["description"],
                                                 is_default=is_default)
            for sequence, (stage_code, name, probability, outcome, criteria) in enumerate(process["stages"], start=1):
                stage = SalesStage.objects.create(sales_process=record, code=stage_code, name=name, sequence=sequence,
                                                  probability=probability, outcome=outcome)
                StageCriterion.objects.bulk_create([
                    StageCriterion(stage=stage, name=criterion, sequence=number)
                    for number, criterion in enumerate(criteria, start=1)
                ])


def on_post_migrate(sender, **kwargs) -> None:
    """``post_migrate`` receiver (also after a test database flush)."""
    if kwargs.get("using", "default") != "default":
        return
    try:
        ensure_shipped_processes()
    except Exception:  # the tables are not there (migrating backwards)
        return


def default_process():
    """The organisation's default sales process (WESTRAC as shipped)."""
    from rapport.sales.models import SalesProcess

    process = SalesProcess.objects.filter(is_default=True).order_by("created_on").first()
    if process is None:
        ensure_shipped_processes()
        process = (SalesProcess.objects.filter(is_default=True).order_by("created_on").first()
                   or SalesProcess.objects.order_by("created_on").first())
    return process


def stages_of(process_id) -> list:
    """The stages of a process in order (a handful of rows)."""
    from rapport.sales.models import SalesStage

    return list(SalesStage.objects.filter(sales_process_id=process_id).order_by("sequence", "code"))


def stage_of(process_id, code: str):
    from rapport.sales.models import SalesStage

    return SalesStage.objects.filter(sales_process_id=process_id, code=code).first()


def first_open_stage(process_id):
    return next((s for s in stages_of(process_id) if s.outcome == "open"), None)


def closing_stage(process_id, outcome: str, reason: str = ""):
    """The stage a close moves to: WESTRAC's closed won / lost / no deal; None when the process has none."""
    stages = [s for s in stages_of(process_id) if s.outcome == outcome]
    if not stages:
        return None
    if outcome == "lost" and reason in {"no_deal", "cancelled"}:
        return next((s for s in stages if s.code.endswith("no_deal")), stages[-1])
    return stages[0]
