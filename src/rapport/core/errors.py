"""The kinds of refusal the engine raises; the UI, API, import and CLI translate them.

Each carries a stable ``kind`` (the problem type of API.md), an HTTP status and, for validation,
per-field messages and machine codes. Messages are translated in the caller's language.
"""

from django.utils.translation import gettext_lazy as _


class RapportError(Exception):
    """Base class of refusals: nothing was changed when one is raised from an action."""

    status = 400
    kind = "validation"
    title = _("The request is invalid.")

    def __init__(self, detail=None, *, errors=None, codes=None, extra=None):
        self.detail = str(detail) if detail is not None else str(self.title)
        self.errors = {k: [str(m) for m in v] for k, v in (errors or {}).items()}
        self.codes = codes or {}
        self.extra = extra or {}
        super().__init__(self.detail)


class NotFound(RapportError):
    """Missing and forbidden records look the same (the one access function raises it)."""

    status = 404
    kind = "not-found"
    title = _("The record does not exist or you may not see it.")


class PermissionDenied(RapportError):
    status = 403
    kind = "permission-denied"
    title = _("You do not have the privilege for this.")


class PreconditionFailed(RapportError):
    status = 412
    kind = "precondition-failed"
    title = _("The record was changed by someone else since you read it.")


class RecordValidationError(RapportError):
    status = 400
    kind = "validation"
    title = _("Some values are not valid.")

    def __init__(self, errors=None, codes=None, detail=None):
        errors = errors or {}
        super().__init__(detail or _("Some values are not valid."), errors=errors, codes=codes or {})

    @classmethod
    def single(cls, field, message, code):
        return cls({field: [message]}, {field: [code]})


class InvalidState(RapportError):
    status = 400
    kind = "invalid-state"
    title = _("This cannot be done in the record's current state.")


class HasDependents(RapportError):
    status = 400
    kind = "has-dependents"
    title = _("Other records depend on this one.")


class DuplicateDetected(RapportError):
    status = 409
    kind = "duplicate-detected"
    title = _("A duplicate record was found.")


class CapacityReached(RapportError):
    status = 409
    kind = "capacity-reached"
    title = _("The capacity limit is reached.")


class ErrorCollector:
    """Collects per-field messages and codes, then raises them together."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}
        self.codes: dict[str, list[str]] = {}

    def add(self, field: str, message, code: str) -> None:
        self.errors.setdefault(field, []).append(str(message))
        self.codes.setdefault(field, []).append(code)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RecordValidationError(self.errors, self.codes)
