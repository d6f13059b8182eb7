"""Dispatch schemas: runs and proposals."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import Id
from app.dispatch.models import PROPOSAL_STATUSES


class RunRequestSchema(Schema):
    """Run dispatch now for one county (default: every county in your scope)."""

    county = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=32),
        metadata={"description": "county station code"},
    )
    time_limit = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.5, max=300))


class RunSchema(Schema):
    """A dispatch run's figures."""

    id = fields.Integer()
    county = fields.Function(lambda r: r.county.code)
    kind = fields.String(metadata={"description": "county: one county on its own; border: the second pass"})
    after_run_ids = fields.List(fields.Integer(), metadata={"description": "border: the county runs it waits for"})
    trigger = fields.String()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    status = fields.String()
    solver_status = fields.String()
    orders_considered = fields.Integer()
    orders_proposed = fields.Integer()
    orders_unassigned = fields.Integer()
    volunteers_considered = fields.Integer()
    served_priority = fields.Integer()
    bound = fields.Integer()
    travel_km = fields.Float()
    seconds = fields.Float()
    details = fields.Dict()
    queued_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    progress = fields.Function(
        lambda r: r.progress, metadata={"description": "while running: the engine's seconds, served, bound, travel"}
    )


class CrewMemberSchema(Schema):
    """A volunteer on a proposal's crew."""

    volunteer_id = Id()
    name = fields.Function(lambda m: m.volunteer.name)
    skill = fields.Function(lambda m: m.skill.code)


class ProposalSchema(Schema):
    """A proposal as a team lead sees it, with the engine's reasons."""

    id = fields.Integer()
    order_id = Id()
    order_code = fields.Function(lambda p: p.order.code)
    menu_item = fields.Function(lambda p: p.order.menu_item.title)
    station = fields.Function(lambda p: p.order.station.name)
    team_id = Id()
    run_id = Id(allow_none=True)
    start_at = fields.AwareDateTime()
    end_at = fields.AwareDateTime()
    deadline_at = fields.AwareDateTime()
    status = fields.String()
    decline_reason = fields.String()
    responded_at = fields.AwareDateTime(allow_none=True)
    crew = fields.List(fields.Nested(CrewMemberSchema))
    explanation = fields.Dict()


class ProposalQuerySchema(Schema):
    """Filters for proposals."""

    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))
    team_id = Id()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class DeclineSchema(Schema):
    """Why a team declines."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=400))


class SwapSchema(Schema):
    """Replace one crew member with another team member."""

    out_volunteer_id = Id(required=True)
    in_volunteer_id = Id(required=True)
