"""Team and volunteer schemas, with weekly availability and exceptions."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.schemas import Id
from app.stations.models import LEVELS


class TeamSchema(Schema):
    """A team as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    station_id = Id()
    specialty = fields.Function(lambda t: t.specialty.code if t.specialty else None)
    lead_user_id = Id(allow_none=True)
    active = fields.Boolean()
    member_count = fields.Function(lambda t: len(t.members))


class TeamCreateSchema(Schema):
    """Input for a new team."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    station_id = Id(required=True)
    specialty = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    lead_user_id = Id(load_default=None, allow_none=True)


class TeamQuerySchema(Schema):
    """Filters for teams."""

    station_id = Id()
    level = fields.String(validate=validate.OneOf(LEVELS))


class SlotSchema(Schema):
    """A weekly free period: weekday 0 = Monday, minutes from local midnight."""

    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start_minute = fields.Integer(required=True, validate=validate.Range(min=0, max=1439))
    end_minute = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))

    @validates_schema
    def start_before_end(self, data: dict, **kwargs: object) -> None:
        if data["start_minute"] >= data["end_minute"]:
            raise ValidationError("end_minute must be after start_minute", field_name="end_minute")


class ExceptionSchema(Schema):
    """A one-day change: unavailable (available=false) or extra free time (available=true)."""

    day = fields.Date(required=True)
    start_minute = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1439))
    end_minute = fields.Integer(load_default=1440, validate=validate.Range(min=1, max=1440))
    available = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def start_before_end(self, data: dict, **kwargs: object) -> None:
        if data["start_minute"] >= data["end_minute"]:
            raise ValidationError("end_minute must be after start_minute", field_name="end_minute")


class AvailabilitySchema(Schema):
    """A volunteer's whole availability: weekly slots and exceptions."""

    weekly = fields.List(fields.Nested(SlotSchema), required=True, validate=validate.Length(max=70))
    exceptions = fields.List(fields.Nested(ExceptionSchema), load_default=list, validate=validate.Length(max=400))


class VolunteerSchema(Schema):
    """A volunteer as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    team_id = Id(allow_none=True)
    station_id = Id()
    skills = fields.Function(lambda v: [s.code for s in v.skills])
    max_orders_per_week = fields.Integer()
    max_km = fields.Float(allow_none=True)
    active = fields.Boolean()


class VolunteerCreateSchema(Schema):
    """Input for registering a volunteer."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    team_id = Id(load_default=None, allow_none=True)
    station_id = Id(required=True)
    skills = fields.List(
        fields.String(validate=validate.Length(max=32)), load_default=list, validate=validate.Length(max=20)
    )
    max_orders_per_week = fields.Integer(load_default=3, validate=validate.Range(min=0, max=50))
    max_km = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.1, max=1000))


class VolunteerUpdateSchema(Schema):
    """Partial update of a volunteer."""

    name = fields.String(validate=validate.Length(min=1, max=80))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    team_id = Id(allow_none=True)
    skills = fields.List(fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=20))
    max_orders_per_week = fields.Integer(validate=validate.Range(min=0, max=50))
    max_km = fields.Float(allow_none=True, validate=validate.Range(min=0.1, max=1000))
    active = fields.Boolean()


class VolunteerQuerySchema(Schema):
    """Filters for volunteers."""

    team_id = Id()
    station_id = Id()
    skill = fields.String(validate=validate.Length(max=32))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=2000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
