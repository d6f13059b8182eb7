"""Order schemas: input for placing, rating and check-in; output with windows, needs, events and crew."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.masking import mask_phone
from app.core.schemas import Id
from app.menu.schemas import NeedInSchema, NeedSchema
from app.orders.models import RATING_TAGS, STATUSES


class WindowSchema(Schema):
    """A requested time window (ISO 8601 with offset)."""

    start = fields.AwareDateTime(required=True, attribute="start_at", data_key="start")
    end = fields.AwareDateTime(required=True, attribute="end_at", data_key="end")


class WindowInSchema(Schema):
    """A requested time window on input."""

    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)

    @validates_schema
    def ends_after_start(self, data: dict, **kwargs: object) -> None:
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("end must be after start", field_name="end")


class WalkInSchema(Schema):
    """A walk-in resident with no account."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9+\- ]{5,32}$"))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class OrderCreateSchema(Schema):
    """Input for placing an order."""

    menu_item_id = Id(required=True)
    station_id = Id(required=True)
    windows = fields.List(fields.Nested(WindowInSchema), required=True, validate=validate.Length(min=1, max=10))
    resident_id = Id(load_default=None, allow_none=True)
    resident = fields.Nested(WalkInSchema, load_default=None, allow_none=True)
    needs = fields.List(
        fields.Nested(NeedInSchema), load_default=None, allow_none=True, validate=validate.Length(min=1, max=10)
    )
    priority = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def one_resident(self, data: dict, **kwargs: object) -> None:
        if data.get("resident_id") is not None and data.get("resident") is not None:
            raise ValidationError("give resident_id or resident, not both", field_name="resident")


class OrderQuerySchema(Schema):
    """Filters for listing orders."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    station_id = Id()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class CancelSchema(Schema):
    """Why an order is cancelled."""

    reason = fields.String(load_default="", validate=validate.Length(max=400))


class CrewActionSchema(Schema):
    """Which crew member checks in or out (default: the caller's own volunteer record)."""

    volunteer_id = Id(load_default=None, allow_none=True)


class CheckInSchema(CrewActionSchema):
    """A check-in: a volunteer checking themself in gives the code shown at the station."""

    station_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=12))


class CorrectionRequestSchema(Schema):
    """Other times for a service record, and why."""

    check_in_at = fields.AwareDateTime(required=True)
    check_out_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class CorrectionSchema(Schema):
    """A requested correction of a service record and its decision."""

    id = fields.Integer()
    record_id = Id()
    check_in_at = fields.AwareDateTime()
    check_out_at = fields.AwareDateTime()
    reason = fields.String()
    status = fields.String()
    previous_check_in_at = fields.AwareDateTime(allow_none=True)
    previous_check_out_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class RatingInSchema(Schema):
    """A resident's rating."""

    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    tags = fields.List(
        fields.String(validate=validate.OneOf(RATING_TAGS)), load_default=list, validate=validate.Length(max=6)
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class RatingSchema(Schema):
    """A rating as shown."""

    stars = fields.Integer()
    tags = fields.List(fields.String())
    comment = fields.String()
    created_at = fields.AwareDateTime()


class EventSchema(Schema):
    """One entry of an order's log."""

    id = fields.Integer()
    at = fields.AwareDateTime()
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    reason = fields.String()
    data = fields.Dict()


class ServiceRecordSchema(Schema):
    """One volunteer's check-in and check-out."""

    volunteer_id = Id()
    volunteer = fields.Function(lambda r: r.volunteer.name)
    check_in_at = fields.AwareDateTime()
    check_out_at = fields.AwareDateTime(allow_none=True)
    id = fields.Integer()
    presence = fields.String(allow_none=True)
    measured_minutes = fields.Integer(allow_none=True)
    minutes = fields.Integer(allow_none=True, metadata={"description": "confirmed minutes; null until confirmed"})
    confirmed_at = fields.AwareDateTime(allow_none=True)


class OrderSchema(Schema):
    """An order as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    menu_item_id = Id()
    menu_item = fields.Function(lambda o: o.menu_item.title)
    station_id = Id()
    resident = fields.Function(lambda o: o.resident.name if o.resident else None)
    resident_phone = fields.Function(
        lambda o: mask_phone(o.resident.phone) if o.resident and o.resident.phone else None,
        metadata={"description": "masked (138****1234); the accepted crew's lead may GET .../resident-phone"},
    )
    priority = fields.Integer()
    tier = fields.String()
    duration_minutes = fields.Integer()
    notes = fields.String()
    windows = fields.List(fields.Nested(WindowSchema))
    needs = fields.List(fields.Nested(NeedSchema))
    excluded_teams = fields.Function(lambda o: sorted(e.team_id for e in o.exclusions))
    unassigned_code = fields.String(allow_none=True)
    unassigned_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    accepted_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    service_records = fields.List(fields.Nested(ServiceRecordSchema))
    rating = fields.Nested(RatingSchema, allow_none=True)


class ResidentPhoneSchema(Schema):
    """The resident's full phone number, shown to the accepted crew's lead (recorded in the audit log)."""

    phone = fields.String()
    masked = fields.String()
