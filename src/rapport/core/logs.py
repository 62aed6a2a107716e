"""Structured logs: one JSON object a line (``RAPPORT_LOG_FORMAT=json``), for log shippers in production.

Each line carries the time (UTC, ISO 8601), level, logger, message, the process id, and — when the
record has them — the exception, the request path and status (Django's request logger), so a log
pipeline can filter and aggregate without parsing free text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["path"] = request.path
            entry["method"] = getattr(request, "method", "")
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
