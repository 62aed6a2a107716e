"""Models of the engine: record base classes, audit, outbox, notes, connections."""

from rapport.core.models.audit import AuditEntry, OutboxEvent  # noqa: F401
from rapport.core.models.base import OwnedRecord, Record, RecordQuerySet  # noqa: F401
from rapport.core.models.features import Connection, Note  # noqa: F401
from rapport.core.models.views import SavedView  # noqa: F401,E402
