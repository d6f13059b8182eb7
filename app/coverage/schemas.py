"""Coverage schemas: query arguments in, reports out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load, validate

from app.core.timeutil import to_local, utcnow

# Bounds keep ids inside a 32-bit integer column and dates far from date.min/max, where day arithmetic overflows.
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))


def _id_field(**kwargs: Any) -> fields.Integer:
    return fields.Integer(load_default=None, validate=ID_RANGE, **kwargs)


class PeriodQuerySchema(Schema):
    """A period of local days, both included; defaults to the COVERAGE_DEFAULT_DAYS ending today."""

    start = fields.Date(validate=DATE_RANGE, metadata={"description": "first local day (YYYY-MM-DD)"})
    end = fields.Date(validate=DATE_RANGE, metadata={"description": "last local day, included (default today)"})

    @post_load
    def fill_period(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # Defaults depend on today and the config, so they are filled here rather than as load_default.
        if data.get("end") is None:
            data["end"] = to_local(utcnow()).date()
        if data.get("start") is None:
            data["start"] = data["end"] - timedelta(days=current_app.config["COVERAGE_DEFAULT_DAYS"] - 1)
        if data["end"] < data["start"]:
            raise ValidationError("end must not be before start", field_name="end")
        return data


class CoverageQuerySchema(PeriodQuerySchema):
    """Coverage of a period, optionally for one station's subtree."""

    station_id = _id_field(metadata={"description": "a station and everything below it"})


class GapsQuerySchema(Schema):
    """Gaps over the last N days."""

    days = fields.Integer(load_default=None, validate=validate.Range(1, 3660), metadata={"description": "default 90"})
    station_id = _id_field()


class TrendsQuerySchema(Schema):
    """Weekly trends."""

    weeks = fields.Integer(load_default=12, validate=validate.Range(1, 260))
    station_id = _id_field()
    priority = fields.String(
        load_default=None, validate=validate.Length(max=32), metadata={"description": "practice priority code"}
    )


class ContributionsQuerySchema(PeriodQuerySchema):
    """Contributions over a period, optionally for one team."""

    team_id = _id_field()


class ContributionsExportQuerySchema(ContributionsQuerySchema):
    """Contribution export arguments; CSV holds one table, volunteers or teams."""

    by = fields.String(load_default="volunteer", validate=validate.OneOf(("volunteer", "team")))


class MapQuerySchema(PeriodQuerySchema):
    """Map of a period, optionally for one practice priority."""

    priority = fields.String(
        load_default=None, validate=validate.Length(max=32), metadata={"description": "practice priority code"}
    )


class HexagonQuerySchema(MapQuerySchema):
    """Hexagon map: H3 resolution 0-15."""

    resolution = fields.Integer(load_default=7, validate=validate.Range(0, 15))


class SnapshotQuerySchema(PeriodQuerySchema):
    """Stored nightly snapshots between two days."""

    station_id = _id_field()


class FiguresSchema(Schema):
    """Coverage figures of one group of orders."""

    orders = fields.Integer()
    served = fields.Integer()
    cancelled = fields.Integer()
    expired = fields.Integer()
    open = fields.Integer()
    fulfilment = fields.Float(allow_none=True, metadata={"description": "served / (orders - cancelled)"})
    median_accept_minutes = fields.Float(allow_none=True)
    median_serve_minutes = fields.Float(allow_none=True)
    avg_rating = fields.Float(allow_none=True)
    ratings = fields.Integer()


class PriorityRefSchema(Schema):
    """A practice priority."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class StationCoverageSchema(Schema):
    """One station's figures, total and by priority code."""

    station_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    total = fields.Nested(FiguresSchema)
    by_priority = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema))


class CoverageReportSchema(Schema):
    """Coverage of a scope over a period."""

    start = fields.Date()
    end = fields.Date()
    station_id = fields.Integer(allow_none=True)
    priorities = fields.List(fields.Nested(PriorityRefSchema))
    stations = fields.List(fields.Nested(StationCoverageSchema))
    by_priority = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema))
    total = fields.Nested(FiguresSchema)


class GapSchema(Schema):
    """A station and priority with no served order in the window."""

    station_id = fields.Integer()
    station_code = fields.String()
    station_name = fields.String()
    level = fields.String()
    priority = fields.String()
    priority_name_zh = fields.String()
    last_served_on = fields.Date(allow_none=True)
    orders_in_window = fields.Integer()


class GapReportSchema(Schema):
    """Gaps in a scope."""

    today = fields.Date()
    since = fields.Date()
    days = fields.Integer()
    stations = fields.Integer()
    cells = fields.Integer()
    covered_cells = fields.Integer()
    gaps = fields.List(fields.Nested(GapSchema))


class WeekTrendSchema(Schema):
    """One local week of orders."""

    week_start = fields.Date()
    week = fields.String()
    orders = fields.Integer()
    served = fields.Integer()
    cancelled = fields.Integer()
    expired = fields.Integer()
    fulfilment = fields.Float(allow_none=True)
    median_accept_minutes = fields.Float(allow_none=True)


class VolunteerContributionSchema(Schema):
    """What one volunteer did."""

    volunteer_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    team_id = fields.Integer(allow_none=True)
    team_name = fields.String(allow_none=True)
    orders_served = fields.Integer()
    hours = fields.Float()
    points = fields.Float()
    avg_stars = fields.Float(allow_none=True)
    ratings = fields.Integer()
    five_star = fields.Integer()
    tags = fields.Dict(keys=fields.String(), values=fields.Integer())


class TeamContributionSchema(Schema):
    """What one team did."""

    team_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    volunteers = fields.Integer()
    orders_served = fields.Integer()
    hours = fields.Float()
    points = fields.Float()
    avg_stars = fields.Float(allow_none=True)
    ratings = fields.Integer()
    tags = fields.Dict(keys=fields.String(), values=fields.Integer())


class ContributionReportSchema(Schema):
    """Who did the work."""

    start = fields.Date()
    end = fields.Date()
    team_id = fields.Integer(allow_none=True)
    points_per_hour = fields.Integer()
    five_star_bonus = fields.Integer()
    volunteers = fields.List(fields.Nested(VolunteerContributionSchema))
    teams = fields.List(fields.Nested(TeamContributionSchema))


class FeatureCollectionSchema(Schema):
    """A GeoJSON FeatureCollection (RFC 7946); coordinates are [lon, lat]."""

    type = fields.String()
    features = fields.List(fields.Dict())


class SnapshotSchema(Schema):
    """One stored nightly snapshot row."""

    day = fields.Date()
    station_id = fields.Integer()
    priority = fields.Function(lambda row: row.priority.code)
    window_days = fields.Integer()
    orders = fields.Integer()
    served = fields.Integer()
    cancelled = fields.Integer()
    expired = fields.Integer()
    fulfilment = fields.Float(allow_none=True)
    median_accept_minutes = fields.Float(allow_none=True)
    median_serve_minutes = fields.Float(allow_none=True)
    avg_rating = fields.Float(allow_none=True)
    taken_at = fields.AwareDateTime()
