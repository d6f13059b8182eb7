"""Deliberation schemas: meetings, demands, lifecycle steps, orders from demands; input and output apart."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import Id
from app.deliberation.models import DEMAND_CATEGORIES, DEMAND_STATUSES
from app.orders.schemas import WalkInSchema, WindowInSchema


class MeetingCreateSchema(Schema):
    """A meeting just held."""

    station_id = Id(required=True)
    held_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    attendees_count = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))
    attendee_names = fields.String(load_default="", validate=validate.Length(max=4000))
    topics = fields.List(
        fields.String(validate=validate.Length(max=120)), load_default=list, validate=validate.Length(max=30)
    )
    minutes = fields.String(load_default="", validate=validate.Length(max=20_000))


class MeetingQuerySchema(Schema):
    """Meetings at one station."""

    station_id = Id(load_default=None)


class DemandOutSchema(Schema):
    """A demand."""

    id = fields.Integer()
    meeting_id = fields.Integer(allow_none=True)
    station_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    status = fields.String()
    owner_id = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    outcome = fields.String()
    order_ids = fields.Function(lambda d: [link.order_id for link in d.order_links])
    created_at = fields.AwareDateTime()


class MeetingSchema(Schema):
    """A meeting with its demands."""

    id = fields.Integer()
    station_id = fields.Integer()
    held_on = fields.Date()
    title = fields.String()
    attendees_count = fields.Integer()
    attendee_names = fields.String()
    topics = fields.List(fields.String())
    minutes = fields.String()
    demands = fields.List(fields.Nested(DemandOutSchema))


class DemandCreateSchema(Schema):
    """A demand raised at a meeting or at a station."""

    meeting_id = Id(load_default=None)
    station_id = Id(load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    category = fields.String(load_default="other", validate=validate.OneOf(DEMAND_CATEGORIES))


class DemandQuerySchema(Schema):
    """Demands at one station or in one state."""

    station_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(DEMAND_STATUSES))


class AssignSchema(Schema):
    """A new owner or due date."""

    owner_id = Id(load_default=None)
    due_on = fields.Date(load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=400))


class MoveSchema(Schema):
    """One step along the lifecycle (accepting may set the owner and due date)."""

    to_status = fields.String(required=True, validate=validate.OneOf(DEMAND_STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    owner_id = Id(load_default=None)
    due_on = fields.Date(load_default=None)


class DemandEventSchema(Schema):
    """One event of a demand."""

    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String()
    data = fields.Dict()


class DemandOrderSchema(Schema):
    """An order to place for a demand, at the demand's station."""

    menu_item_id = Id(required=True)
    windows = fields.List(fields.Nested(WindowInSchema), required=True, validate=validate.Length(min=1, max=10))
    priority = fields.Integer(load_default=None, validate=validate.Range(1, 5))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    resident = fields.Nested(WalkInSchema, load_default=None, metadata={"description": "default: the representative"})


class PlacedOrderSchema(Schema):
    """The order placed for a demand."""

    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    station_id = fields.Integer()
    menu_item_id = fields.Integer()
