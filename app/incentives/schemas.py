"""Incentives schemas: rules, ledger lines, balances, shop items, redemptions, rankings; input and output apart."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.schemas import Id
from app.coverage.schemas import PeriodQuerySchema

POINTS = validate.Range(min=0, max=100_000)
COST = validate.Range(min=1, max=100_000)
STOCK = validate.Range(min=0, max=100_000)
COUNTY = validate.Length(min=1, max=32)


class RuleCreateSchema(Schema):
    """A new points rule version."""

    points_per_hour = fields.Integer(required=True, validate=POINTS)
    rating_bonus = fields.Integer(required=True, validate=POINTS)
    rating_bonus_min_stars = fields.Integer(load_default=5, validate=validate.Range(1, 5))
    priority_bonus = fields.Integer(load_default=0, validate=POINTS)
    effective_from = fields.AwareDateTime(load_default=None, metadata={"description": "default now; never past"})
    note = fields.String(load_default="", validate=validate.Length(max=200))
    county = fields.String(
        load_default=None,
        validate=COUNTY,
        metadata={"description": "county centre code; default the caller's county (an admin: the shared default)"},
    )


class RuleQuerySchema(Schema):
    """Which county's rules to list."""

    county = fields.String(
        load_default=None, validate=COUNTY, metadata={"description": "county centre code (an admin; default all)"}
    )


class RuleSchema(Schema):
    """A points rule version."""

    id = fields.Integer()
    version = fields.Integer()
    points_per_hour = fields.Integer()
    rating_bonus = fields.Integer()
    rating_bonus_min_stars = fields.Integer()
    priority_bonus = fields.Integer()
    effective_from = fields.AwareDateTime()
    note = fields.String()
    county = fields.Function(
        lambda r: r.county.code if r.county is not None else None,
        allow_none=True,
        metadata={"description": "county centre code; null for the shared default"},
    )


class HoursEntrySchema(Schema):
    """One line of the service-hours ledger."""

    id = fields.Integer()
    volunteer_id = fields.Integer()
    kind = fields.String()
    minutes = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    corrects_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    station_id = fields.Integer()
    served_at = fields.AwareDateTime()
    activity = fields.String()
    reason = fields.String()
    created_at = fields.AwareDateTime()


class LedgerCorrectionSchema(Schema):
    """A correction of a service line: signed minutes and why."""

    minutes = fields.Integer(required=True, validate=validate.Range(min=-24 * 60, max=24 * 60))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=400))


class PointsEntrySchema(Schema):
    """One line of the points ledger."""

    id = fields.Integer()
    kind = fields.String()
    points = fields.Integer()
    rule_version = fields.Function(lambda e: e.rule.version if e.rule is not None else None, allow_none=True)
    order_id = fields.Integer(allow_none=True)
    redemption_id = fields.Integer(allow_none=True)
    earned_at = fields.AwareDateTime()
    note = fields.String()


class AccountSchema(Schema):
    """A volunteer's balance, points earned and hours served."""

    volunteer_id = fields.Integer()
    balance = fields.Integer()
    earned = fields.Integer()
    hours = fields.Float()


class HoursQuerySchema(Schema):
    """An optional period of local days."""

    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class ItemQuerySchema(Schema):
    """Shop items at one station, optionally with retired ones (staff)."""

    station_id = Id(load_default=None)
    include_inactive = fields.Boolean(load_default=False)


class ItemCreateSchema(Schema):
    """A new item at a station's shop."""

    station_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    description = fields.String(load_default="", validate=validate.Length(max=200))
    points_cost = fields.Integer(required=True, validate=COST)
    stock = fields.Integer(load_default=0, validate=STOCK)


class ItemUpdateSchema(Schema):
    """Restock (a signed change), reprice, retire or describe an item."""

    add_stock = fields.Integer(load_default=None, validate=validate.Range(min=-100_000, max=100_000))
    points_cost = fields.Integer(load_default=None, validate=COST)
    active = fields.Boolean(load_default=None)
    description = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def something_changes(self, data: dict[str, Any], **kwargs: Any) -> None:
        if all(value is None for value in data.values()):
            raise ValidationError("change at least one of add_stock, points_cost, active, description", "add_stock")


class ItemSchema(Schema):
    """A shop item."""

    id = fields.Integer()
    station_id = fields.Integer()
    station_name = fields.Function(lambda i: i.station.name)
    name = fields.String()
    description = fields.String()
    points_cost = fields.Integer()
    stock = fields.Integer()
    active = fields.Boolean()


class RedeemSchema(Schema):
    """Redeem one item; staff name the volunteer, volunteers redeem for themselves."""

    item_id = Id(required=True)
    volunteer_id = Id(load_default=None)


class RedemptionQuerySchema(Schema):
    """Redemptions at one station."""

    station_id = Id(load_default=None)


class RedemptionSchema(Schema):
    """A redemption."""

    id = fields.Integer()
    item_id = fields.Integer()
    item_name = fields.Function(lambda r: r.item.name)
    volunteer_id = fields.Integer()
    volunteer_code = fields.Function(lambda r: r.volunteer.code)
    points = fields.Integer()
    status = fields.String()
    created_at = fields.AwareDateTime()
    handled_at = fields.AwareDateTime(allow_none=True)


class RankingQuerySchema(Schema):
    """A month's ranking."""

    month = fields.String(
        load_default=None, validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "YYYY-MM (default now)"}
    )
    kind = fields.String(load_default="volunteers", validate=validate.OneOf(("volunteers", "teams", "stations")))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    county = fields.String(
        load_default=None, validate=COUNTY, metadata={"description": "county centre code (default the caller's)"}
    )


class RankingRowSchema(Schema):
    """One place in a ranking."""

    rank = fields.Integer()
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    points = fields.Integer()
    hours = fields.Float()
    volunteers = fields.Integer(allow_none=True)


class CertificateQuerySchema(PeriodQuerySchema):
    """The certificate's period (default the COVERAGE_DEFAULT_DAYS ending today)."""


class SubsidyQuerySchema(PeriodQuerySchema):
    """The subsidy report's period."""
