"""Visit campaign schemas: households (masked in lists), imports, campaigns, routes, outcomes; in and out apart."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.masking import mask_address
from app.core.schemas import Id
from app.visits.models import HOUSEHOLD_TAGS, OUTCOMES, TOPICS, TRAVEL_MODES
from app.volunteers.schemas import ImportPreviewSchema, ImportRowSchema


class HouseholdQuerySchema(Schema):
    """Households of one station's area, or with one tag."""

    station_id = Id(load_default=None)
    tag = fields.String(load_default=None, validate=validate.OneOf(HOUSEHOLD_TAGS))


class HouseholdListSchema(Schema):
    """A household in a list: its address masked."""

    id = fields.Integer()
    station_id = fields.Integer()
    code = fields.String()
    address = fields.Function(lambda h: mask_address(h.address))
    tags = fields.List(fields.String())


class HouseholdImportUploadSchema(Schema):
    """A CSV or XLSX household list (multipart form field `file`): code, address, lat, lon, tags, station."""

    file = Upload(required=True)


class HouseholdImportRowSchema(ImportRowSchema):
    """One row of an uploaded list and what is wrong with it (the address is not echoed back)."""

    class Meta:
        exclude = ("name",)

    station = fields.Function(lambda r: r.values["station"])


class HouseholdImportPreviewSchema(ImportPreviewSchema):
    """An uploaded household list, checked row by row."""

    rows = fields.List(fields.Nested(HouseholdImportRowSchema))


class CampaignCreateSchema(Schema):
    """A new campaign."""

    station_id = Id(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    topic = fields.String(required=True, validate=validate.OneOf(TOPICS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    target_tags = fields.List(
        fields.String(validate=validate.OneOf(HOUSEHOLD_TAGS)), load_default=list, validate=validate.Length(max=6)
    )
    volunteer_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    visit_minutes = fields.Integer(load_default=20, validate=validate.Range(5, 180))
    max_visits_per_shift = fields.Integer(load_default=8, validate=validate.Range(1, 40))
    travel_mode = fields.String(load_default="walk", validate=validate.OneOf(TRAVEL_MODES))

    @validates_schema
    def _period(self, data: dict, **_: object) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("the campaign ends before it starts", field_name="ends_on")


class CampaignSchema(Schema):
    """A campaign with its figures."""

    id = fields.Integer()
    station_id = fields.Integer()
    title = fields.String()
    topic = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    target_tags = fields.List(fields.String())
    visit_minutes = fields.Integer()
    max_visits_per_shift = fields.Integer()
    travel_mode = fields.String()
    volunteer_ids = fields.Function(lambda c: [v.id for v in c.volunteers])
    households = fields.Function(lambda c: len(c.visits))
    planned_at = fields.AwareDateTime(allow_none=True)
    plan_stats = fields.Dict()


class VisitSchema(Schema):
    """A visit on a route: the household's whole address (routes go only to their volunteer and staff)."""

    id = fields.Integer()
    sequence = fields.Integer(allow_none=True)
    planned_at = fields.AwareDateTime(allow_none=True)
    household_code = fields.Function(lambda v: v.household.code)
    address = fields.Function(lambda v: v.household.address)
    lat = fields.Function(lambda v: v.household.lat)
    lon = fields.Function(lambda v: v.household.lon)
    tags = fields.Function(lambda v: v.household.tags)
    outcome = fields.String()
    note = fields.String()
    attempts = fields.Integer()


class RouteSheetSchema(Schema):
    """One volunteer's half-day in visiting order."""

    campaign_id = fields.Function(lambda s: s.campaign.id)
    campaign_title = fields.Function(lambda s: s.campaign.title)
    volunteer_id = fields.Function(lambda s: s.volunteer.id)
    volunteer_code = fields.Function(lambda s: s.volunteer.code)
    shift_start = fields.AwareDateTime()
    visits = fields.List(fields.Nested(VisitSchema))


class OutcomeSchema(Schema):
    """What came of a visit."""

    outcome = fields.String(required=True, validate=validate.OneOf([o for o in OUTCOMES if o != "pending"]))
    note = fields.String(load_default="", validate=validate.Length(max=400))


class CoveragePointSchema(Schema):
    """A household on the map: where, and what came of its visit."""

    lat = fields.Float()
    lon = fields.Float()
    outcome = fields.String()
    planned = fields.Boolean()


class CoverageSchema(Schema):
    """The campaign's coverage."""

    campaign_id = fields.Function(lambda c: c.campaign.id)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    points = fields.List(fields.Nested(CoveragePointSchema))
