"""Error handlers: JSON bodies naming the field under /api, readable pages elsewhere (the request's transaction
is already rolled back by core.transactions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError, OutOfScope

# Where flask-smorest says a field came from; a body names the field itself.
_LOCATIONS = ("json", "query", "form", "files", "headers", "path")


class PageMessages(Protocol):
    """What an error page says, in the reader's language (the web layer provides it)."""

    def domain_message(self, error: DomainError | str) -> str: ...

    def http_message(self, error: HTTPException) -> str: ...

    def unexpected_message(self) -> str: ...


# Deadlock, serialization failure, lock not available.
RETRYABLE_SQLSTATES = ("40P01", "40001", "55P03")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


RefusalRecorder = Callable[[int, str], None]


def _retry_after(error: HTTPException) -> list[tuple[str, str]]:
    """The Retry-After header an error carries (a 429 or 503 that knows when to come back), if any."""
    return [(name, value) for name, value in error.get_headers() if name == "Retry-After"]


def install_error_handlers(app: Flask, *, messages: PageMessages, on_refusal: RefusalRecorder | None = None) -> None:
    """Install handlers for domain errors and HTTP errors; pages word them with `messages`.

    `on_refusal(status, message)` is told of every 401/403 (the audit log, provided above core).
    """

    def _record_refusal(status: int, message: str) -> None:
        if on_refusal is not None:
            on_refusal(status, message)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if error.status == 403 or isinstance(error, OutOfScope):
            _record_refusal(error.status, error.message)
        if _wants_json():
            body = {"status": error.status, **error.to_dict()}
            return jsonify(body), error.status
        return render_template("error.html", status=error.status, message=messages.domain_message(error)), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code in (401, 403):
            _record_refusal(error.code, error.description or "")
        if _wants_json():
            # flask-smorest's abort puts field errors in error.data["messages"]; keep them.
            data = getattr(error, "data", None) or {}
            body: dict = {"status": error.code, "code": error.name.lower().replace(" ", "_")}
            body["message"] = data.get("message") or error.description
            field_errors = data.get("messages") or data.get("errors")
            if field_errors:
                # Flatten {"json": {"field": [...]}} so the body names the field directly.
                if (
                    isinstance(field_errors, dict)
                    and len(field_errors) == 1
                    and next(iter(field_errors)) in _LOCATIONS
                    and isinstance(next(iter(field_errors.values())), dict)
                ):
                    field_errors = next(iter(field_errors.values()))
                if not isinstance(field_errors, dict):
                    # The spec promises an object of field -> messages; a bare list is about the body as a whole.
                    field_errors = {"body": field_errors}
                body["errors"] = field_errors
            response = jsonify(body)
            response.status_code = error.code or 500
            if error.code == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="diandan"'
            response.headers.extend(_retry_after(error))
            return response
        page = render_template("error.html", status=error.code, message=messages.http_message(error))
        return page, error.code, _retry_after(error)

    def plain_error(status: int, code: str, message: str):
        if _wants_json():
            return jsonify({"status": status, "code": code, "message": message}), status
        return render_template("error.html", status=status, message=messages.domain_message(message)), status

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def handle_out_of_range(error: Exception):
        # A value the database cannot hold (an integer past its range); schemas should catch these first.
        return plain_error(422, "validation_error", "a value is out of range")

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        # Two requests raced to create the same thing (a second check-in, a second rating): the loser hears 409.
        if "volunteer_overlap" in str(error.orig):
            return plain_error(409, "conflict", "a volunteer would be in two jobs at the same time")
        return plain_error(409, "conflict", "this was already recorded")

    @app.errorhandler(StaleDataError)
    def handle_stale_data(error: StaleDataError):
        # Compare-and-set on the row's version: another request changed it first; the loser hears 409.
        return plain_error(409, "conflict", "this was changed meanwhile; reload and try again")

    @app.errorhandler(OperationalError)
    def handle_operational_error(error: OperationalError):
        # A deadlock or serialization failure that still happens is a retryable conflict, never a 500.
        if getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
            response = plain_error(409, "retry", "the database was busy with a conflicting change; try again")
            return response[0], response[1], {"Retry-After": "1"}
        return handle_unexpected(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        if app.config.get("TESTING") and app.config.get("PROPAGATE_EXCEPTIONS", True):
            raise error
        if _wants_json():
            return jsonify({"status": 500, "code": "internal_error", "message": "internal error"}), 500
        return render_template("error.html", status=500, message=messages.unexpected_message()), 500
