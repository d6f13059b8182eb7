"""Activity schemas: publishing, slots, sign-ups and cancelling; input and output apart."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.schemas import Id


class ActivitySlotInSchema(Schema):
    """The places of one skill an activity needs."""

    skill = fields.String(required=True, validate=validate.Length(min=1, max=40))
    capacity = fields.Integer(required=True, validate=validate.Range(1, 500))


class ActivityCreateSchema(Schema):
    """An activity to publish."""

    station_id = Id(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    start_at = fields.AwareDateTime(required=True, data_key="start")
    end_at = fields.AwareDateTime(required=True, data_key="end")
    slots = fields.List(fields.Nested(ActivitySlotInSchema), required=True, validate=validate.Length(min=1, max=20))

    @validates_schema
    def _end_after_start(self, data: dict, **_: object) -> None:
        if data["end_at"] <= data["start_at"]:
            raise ValidationError("the end must be after the start", field_name="end")


class ActivityQuerySchema(Schema):
    """Activities at one station, or past ones too."""

    station_id = Id(load_default=None)
    upcoming = fields.Boolean(load_default=True, metadata={"description": "only activities not yet ended"})


class ActivitySlotSchema(Schema):
    """A slot: its skill, capacity and how many places are taken."""

    id = fields.Integer()
    skill = fields.Function(lambda s: s.skill.code)
    capacity = fields.Integer()
    filled = fields.Integer()
    waiting = fields.Function(lambda s: sum(1 for x in s.signups if x.status == "waitlisted"))


class ActivitySchema(Schema):
    """A published (or cancelled) activity with its slots."""

    id = fields.Integer()
    station_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    location = fields.String()
    start = fields.AwareDateTime(attribute="start_at")
    end = fields.AwareDateTime(attribute="end_at")
    status = fields.String()
    cancel_reason = fields.String()
    slots = fields.List(fields.Nested(ActivitySlotSchema))


class ActivitySignupCreateSchema(Schema):
    """A sign-up for the slot of a skill (staff may sign up a volunteer in their scope)."""

    skill = fields.String(required=True, validate=validate.Length(min=1, max=40))
    volunteer_id = Id(load_default=None, metadata={"description": "staff only; default: your own volunteer record"})


class ActivitySignupSchema(Schema):
    """A sign-up: confirmed, waitlisted (with its place in the queue), withdrawn or cancelled."""

    id = fields.Integer()
    activity_id = fields.Integer()
    slot_id = fields.Integer()
    skill = fields.Function(lambda s: s.slot.skill.code)
    volunteer_id = fields.Integer()
    status = fields.String()
    waitlist_position = fields.Method("_position", allow_none=True)
    created_at = fields.AwareDateTime()
    promoted_at = fields.AwareDateTime(allow_none=True)

    def _position(self, signup: object) -> int | None:
        from app.activities.service import waitlist_position

        return waitlist_position(signup)  # type: ignore[arg-type]


class ActivityCancelSchema(Schema):
    """Why the activity is cancelled (everyone signed up is told)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=400))
