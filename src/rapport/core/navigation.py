"""Navigation by area, generated from the registry (Sales, Marketing, Service, Settings).

Entities appear in their spec's area; other pages (System jobs, the administration pages,
reports) are registered as :class:`Page` in ``registry["pages"]`` by the app that serves them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rapport.core.entities import all_entities
from rapport.core.registry import registry

AREAS = [
    ("sales", _("Sales")),
    ("marketing", _("Marketing")),
    ("service", _("Service")),
    ("settings", _("Settings")),
]


@dataclass
class Page:
    """A page in an area's navigation, shown to the users ``visible`` accepts."""

    area: str
    label: object
    url: str
    visible: Callable = lambda user: True
    order: int = 100


def register_page(key: str, page: Page) -> None:
    """Add a page to the navigation (call from an app's ``ready()``)."""
    registry["pages"].add(key, page)


def administrators_only(user) -> bool:
    return bool(getattr(user, "is_system_administrator", False))


def navigation(user) -> list[dict]:
    """Areas with their entity sets (registration order) and pages; empty areas are left out."""
    result = []
    pages = sorted(registry["pages"].items(), key=lambda item: (item[1].order, str(item[1].label)))
    for code, label in AREAS:
        items = [
            {"set_name": spec.set_name, "label": spec.label_plural, "url": f"/{spec.set_name}/"}
            for spec in all_entities() if spec.area == code
        ]
        items += [
            {"set_name": key, "label": page.label, "url": page.url}
            for key, page in pages if page.area == code and page.visible(user)
        ]
        if items:
            result.append({"code": code, "label": label, "items": items})
    return result
