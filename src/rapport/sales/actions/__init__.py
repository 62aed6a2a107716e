"""Sales domain operations (DESIGN convention 2): declared actions, run by the action runner."""

from rapport.sales.actions.leads import lead_actions
from rapport.sales.actions.opportunities import opportunity_actions

__all__ = ["lead_actions", "opportunity_actions"]
