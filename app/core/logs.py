"""Structured logging: one JSON object per line, carrying the request id; no personal data."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it looks like an id (a proxy's), never arbitrary text into the logs.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Free text in log records may still carry a phone number; mask anything that looks like one.
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
_HANDLER_NAME = "diandan-json"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def mask_phones(text: str) -> str:
    """Mainland mobile numbers shown as 138****5678."""
    return _PHONE.sub(r"\1****\2", text)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    if has_request_context():
        return g.get("request_id")
    return None


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, request id, and safe extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and isinstance(value, str | int | float | bool):
                entry[key] = value
        if record.exc_info:
            entry["error"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_lines: bool, level: str) -> None:
    """Send the diandan, gunicorn and celery loggers' records to stderr, as JSON lines or plain text."""
    root = logging.getLogger()
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    fmt = "%(asctime)s %(levelname)s %(name)s %(message)s"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level)


def install_request_ids(app: Flask) -> None:
    """Give every request an id (the proxy's X-Request-ID when well-formed), echo it back, log each request."""
    access = logging.getLogger("diandan.request")

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _ACCEPTED_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = datetime.now(UTC)

    @app.after_request
    def _echo_request_id(response):  # noqa: ANN001, ANN202
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            started = g.get("request_started")
            millis = (datetime.now(UTC) - started).total_seconds() * 1000 if started else 0.0
            # The path only: query strings can carry search terms typed by people.
            access.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "status": response.status_code,
                    "ms": round(millis, 1),
                    "method": request.method,
                },
            )
        return response
