"""Audit log schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.audit.models import OUTCOMES
from app.core.schemas import PageQuerySchema


class AuditQuerySchema(PageQuerySchema):
    """Filters for the audit log."""

    action = fields.String(load_default=None, validate=validate.Length(max=64), metadata={"description": "prefix"})
    outcome = fields.String(load_default=None, validate=validate.OneOf(OUTCOMES))
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)


class AuditEntrySchema(Schema):
    """One audit entry."""

    id = fields.Integer()
    at = fields.DateTime()
    actor_user_id = fields.Integer(allow_none=True)
    actor_username = fields.String()
    actor_role = fields.String()
    action = fields.String()
    outcome = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    station_id = fields.Integer(allow_none=True)
    ip = fields.String()
    user_agent = fields.String()
    method = fields.String()
    path = fields.String()
    details = fields.Dict()
