"""Roster input and output schemas."""

from __future__ import annotations

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.schemas import StrictSchema
from app.core.timeutil import iso_week_label, parse_iso_week

WEEK_PATTERN = re.compile(r"^\d{4}-W\d{2}$")


class IsoWeek(fields.Field):
    """An ISO week label such as 2026-W49, loaded as its Monday."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:  # noqa: ANN001
        if not isinstance(value, str) or not WEEK_PATTERN.match(value):
            raise ValidationError("use an ISO week such as 2026-W49")
        try:
            return parse_iso_week(value)
        except ValueError as error:
            raise ValidationError("no such ISO week") from error

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:  # noqa: ANN001
        return iso_week_label(value) if value is not None else None


class RosterWeekQuerySchema(StrictSchema):
    week = IsoWeek(metadata={"description": "ISO week such as 2026-W49; default the current week"})


class RosterQuerySchema(RosterWeekQuerySchema):
    team_id = fields.Integer()
    volunteer_id = fields.Integer()
    version = fields.Integer(validate=validate.Range(min=1), metadata={"description": "a published version"})

    @validates_schema
    def one_owner(self, data: dict, **kwargs) -> None:
        if ("team_id" in data) == ("volunteer_id" in data):
            raise ValidationError("give exactly one of team_id and volunteer_id", field_name="team_id")


class RosterFeedQuerySchema(StrictSchema):
    token = fields.String(
        validate=validate.Length(max=128),
        metadata={"description": "feed token (calendar apps cannot send a bearer header)"},
    )


class RosterPublishSchema(RosterWeekQuerySchema):
    pass


class RosterCrewMemberSchema(Schema):
    volunteer_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    skill = fields.String()


class RosterEntrySchema(Schema):
    uid = fields.String()
    order_id = fields.Integer()
    order_code = fields.String()
    proposal_id = fields.Integer()
    title = fields.String()
    mode = fields.String()
    start_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    end_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    station_id = fields.Integer()
    station = fields.String()
    address = fields.String()
    team_id = fields.Integer()
    team = fields.String()
    crew = fields.List(fields.Nested(RosterCrewMemberSchema))
    skill = fields.String(metadata={"description": "the volunteer's task (volunteer rosters)"})


class RosterChangeSchema(Schema):
    uid = fields.String()
    order_code = fields.String()
    title = fields.String()
    start_at = fields.String()
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields")


class RosterChangesSchema(Schema):
    added = fields.List(fields.Nested(RosterChangeSchema))
    removed = fields.List(fields.Nested(RosterChangeSchema))
    changed = fields.List(fields.Nested(RosterChangeSchema))


class RosterSchema(Schema):
    kind = fields.Function(lambda view: view.owner.kind)
    owner_id = fields.Function(lambda view: view.owner.id)
    owner_name = fields.Function(lambda view: view.owner.name)
    week = fields.Function(lambda view: iso_week_label(view.week_start), metadata={"description": "ISO week"})
    week_start = fields.Date()
    version = fields.Integer(allow_none=True, metadata={"description": "null: the live roster"})
    published_at = fields.DateTime(allow_none=True, metadata={"description": "latest (or chosen) publication"})
    changes = fields.Nested(RosterChangesSchema, metadata={"description": "what that publication changed"})
    versions = fields.List(fields.Integer())
    entries = fields.List(fields.Nested(RosterEntrySchema))


class RosterFeedLinkSchema(Schema):
    kind = fields.String()
    owner_id = fields.Integer()
    name = fields.String()
    url = fields.String()


class RosterFeedTokenSchema(Schema):
    token = fields.String()
    feeds = fields.List(fields.Nested(RosterFeedLinkSchema))


class RosterPublishReportSchema(Schema):
    week = IsoWeek(attribute="week_start")
    teams = fields.Integer()
    volunteers = fields.Integer()
    unchanged = fields.Integer()
