"""Station schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import Id
from app.stations.models import LEVELS


class StationSchema(Schema):
    """A station as the API shows it."""

    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent_id = Id(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    address = fields.String(allow_none=True)
    active = fields.Boolean()


class StationCreateSchema(Schema):
    """Input for creating a station."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = Id(allow_none=True, load_default=None)
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    address = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class StationQuerySchema(Schema):
    """Filters for listing stations."""

    level = fields.String(validate=validate.OneOf(LEVELS))
    parent_id = Id()


class StationCodeSchema(Schema):
    """A station's rotating check-in code."""

    code = fields.String()
    valid_until = fields.AwareDateTime()
