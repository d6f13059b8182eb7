"""Schema building blocks shared by the domain schemas."""

from __future__ import annotations

from marshmallow import Schema, fields


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
