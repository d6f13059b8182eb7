"""Team and volunteer schemas, with weekly availability and exceptions."""

from __future__ import annotations

from flask_smorest.fields import Upload
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
    lent_to = fields.Function(lambda t: [c.code for c in t.lent_to])


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


class TeamUpdateSchema(Schema):
    """A partial change of a team: name, specialty, lead, active, neighbouring counties it also serves."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    specialty = fields.String(allow_none=True)
    lead_user_id = Id(allow_none=True)
    active = fields.Boolean()
    lent_to = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        validate=validate.Length(max=20),
        metadata={"description": "codes of neighbouring counties the team also serves (dispatch's second pass)"},
    )


class TeamMembersSchema(Schema):
    """Volunteers to add to a team (by code) and members to take off it (by id)."""

    add = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), load_default=list, validate=validate.Length(max=500)
    )
    remove = fields.List(Id(), load_default=list, validate=validate.Length(max=500))


class VolunteerSearchSchema(Schema):
    """Search and filters for the volunteer register, one page at a time."""

    q = fields.String(load_default=None, validate=validate.Length(max=80))
    team_id = Id(load_default=None)
    no_team = fields.Boolean(load_default=False)
    station_id = Id(load_default=None)
    skill = fields.String(load_default=None, validate=validate.Length(max=40))
    active = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class VolunteerPageSchema(Schema):
    """One page of volunteers."""

    items = fields.List(fields.Nested(VolunteerSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()


class ImportUploadSchema(Schema):
    """A CSV or XLSX register of volunteers (multipart form field `file`)."""

    file = Upload(required=True)


class ImportCommitSchema(Schema):
    """Confirm an import; with skip_invalid the faulty rows are left out instead of refusing the whole file."""

    skip_invalid = fields.Boolean(load_default=False)


class ImportRowSchema(Schema):
    """One row of an uploaded register and what is wrong with it."""

    line = fields.Integer()
    code = fields.Function(lambda r: r.values["code"])
    name = fields.Function(lambda r: r.values["name"])
    ok = fields.Boolean()
    errors = fields.Dict(keys=fields.String(), values=fields.String())


class ImportPreviewSchema(Schema):
    """An uploaded register, checked row by row."""

    id = fields.Function(lambda p: p.upload.id)
    filename = fields.Function(lambda p: p.upload.filename)
    status = fields.Function(lambda p: p.upload.status)
    valid = fields.Integer()
    invalid = fields.Integer()
    created = fields.Function(lambda p: p.upload.created_count)
    rows = fields.List(fields.Nested(ImportRowSchema))
