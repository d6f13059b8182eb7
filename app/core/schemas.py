"""Schema building blocks shared by the domain schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

# Ids are 32-bit on every backend; larger numbers can only be wrong and must not reach the database.
MAX_ID = 2**31 - 1


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802 (used like a field class)
    """An integer id field: positive and within the database's integer range."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class StrictSchema(Schema):
    """Input schema that rejects unknown fields (marshmallow's default RAISE), named for clarity."""


class PageQuerySchema(Schema):
    """Pagination arguments for list endpoints."""

    limit = fields.Integer(load_default=100, validate=lambda n: 1 <= n <= 1000, metadata={"description": "1-1000"})
    offset = fields.Integer(load_default=0, validate=lambda n: n >= 0)


class ErrorSchema(Schema):
    """The JSON body of every error response."""

    status = fields.Integer()
    code = fields.String()
    message = fields.String()
    errors = fields.Dict()
