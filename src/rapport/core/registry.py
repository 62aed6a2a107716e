"""The one registry: frozen-key stores that apps fill from ``AppConfig.ready()``.

Adding a store later raises (NetBox ``registry.py``); adding an item twice raises too, so a
spec error fails at start-up rather than at the first request.
"""

from collections.abc import Iterator
from typing import Any


class Store(dict):
    """A registry store: a dict that refuses to overwrite a key."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def add(self, key: str, value: Any) -> None:
        if key in self:
            raise ValueError(f"{self.name}: {key!r} is registered twice")
        self[key] = value


class Registry(dict):
    """A dict of stores whose keys are fixed at import time."""

    def __init__(self, names: list[str]):
        super().__init__({name: Store(name) for name in names})

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError("registry stores are declared in core/registry.py and cannot be replaced")

    def __delitem__(self, key: str) -> None:
        raise TypeError("registry stores cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return super().__iter__()


registry = Registry(
    [
        "entities",  # set name -> EntitySpec
        "models",  # model class -> EntitySpec
        "event_types",  # event type code -> description
        "areas",  # navigation area code -> label
        "pages",  # key -> Page: a non-entity page in the navigation (System jobs, Users, reports)
        "write_hooks",  # name -> callable(phase, spec, record, ctx, operation); search index, duplicates
        "list_bulk_buttons",  # name -> callable(spec, request) -> {"label", "url"} | None (a list's "Selected:" bar)
        "read_grants",  # name -> callable(spec, user, read_rank) -> Q | None: extra read access (the customer pool)
        "home_panels",  # name -> callable(request) -> html or "" (a panel on the signed-in user's home page)
        "audit_row_hooks",  # name -> callable(user, spec, entry, row): completes a history row (e.g. "Undo merge")
    ]
)
