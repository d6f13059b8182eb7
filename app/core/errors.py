"""Domain errors raised by services and turned into HTTP responses by the error handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import flask_smorest

# flask-smorest's abort (an HTTP error with a JSON message), typed as what it is: it never returns.
abort: Callable[..., NoReturn] = flask_smorest.abort


class DomainError(Exception):
    """A request the rules refuse; carries an HTTP status, a code and optionally the offending field.

    `message` is an English message id with %(name)s placeholders filled from `params`: the API shows it filled
    in, and pages translate the id and then fill it in (app.web.errors), so no page parses English back.
    """

    status = 409
    code = "conflict"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, params: dict | None = None
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.field:
            body["errors"] = {self.field: [self.message]}
        return body


class InvalidTransition(DomainError):
    """A lifecycle transition that the order or proposal's state does not allow."""

    status = 409
    code = "invalid_transition"


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule about its field."""

    status = 422
    code = "validation_error"


class NotFound(DomainError):
    """The object does not exist or is outside the caller's scope."""

    status = 404
    code = "not_found"


class OutOfScope(NotFound):
    """The object exists but lies outside the caller's scope; answered exactly like NotFound, but audited."""


class Forbidden(DomainError):
    """The caller's role may not do this."""

    status = 403
    code = "forbidden"
