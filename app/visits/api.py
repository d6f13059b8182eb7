"""REST API for household visit campaigns: households, imports, campaigns, planning, routes, outcomes, coverage."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.visits import service
from app.visits.schemas import (
    CampaignCreateSchema,
    CampaignSchema,
    CoverageSchema,
    HouseholdImportPreviewSchema,
    HouseholdImportUploadSchema,
    HouseholdListSchema,
    HouseholdQuerySchema,
    OutcomeSchema,
    RouteSheetSchema,
    VisitSchema,
)
from app.volunteers.schemas import ImportCommitSchema

blp = Blueprint(
    "visits",
    __name__,
    url_prefix="/visits",
    description="Household visit campaigns (入户走访): household lists, planned routes, outcomes and coverage",
)


@blp.route("/households")
class Households(MethodView):
    @blp.arguments(HouseholdQuerySchema, location="query")
    @blp.response(200, HouseholdListSchema(many=True))
    def get(self, query: dict):
        """Households of stations in your scope, addresses masked (staff)."""
        return service.list_households(user=api_user(), **query)


@blp.route("/household-imports")
class HouseholdImports(MethodView):
    @blp.arguments(HouseholdImportUploadSchema, location="files")
    @blp.response(201, HouseholdImportPreviewSchema)
    def post(self, files: dict):
        """Upload a CSV or XLSX household list: every row is checked and kept for confirmation."""
        upload = files["file"]
        preview = service.preview_household_import(
            user=api_user(), filename=upload.filename or "", content=upload.read()
        )
        return preview


@blp.route("/household-imports/<int:import_id>")
class HouseholdImportById(MethodView):
    @blp.response(200, HouseholdImportPreviewSchema)
    def get(self, import_id: int):
        """An upload of yours, its rows checked again against the list as it is now."""
        return service.get_household_import(user=api_user(), import_id=import_id)


@blp.route("/household-imports/<int:import_id>/commit")
class HouseholdImportCommit(MethodView):
    @blp.arguments(ImportCommitSchema)
    @blp.response(200, HouseholdImportPreviewSchema)
    def post(self, data: dict, import_id: int):
        """Import the households, once: all rows, or refused if any is faulty unless skip_invalid is true."""
        preview = service.commit_household_import(user=api_user(), import_id=import_id, **data)
        return preview


@blp.route("/campaigns")
class Campaigns(MethodView):
    @blp.response(200, CampaignSchema(many=True))
    def get(self):
        """Campaigns at stations in your scope, newest first (staff)."""
        return service.list_campaigns(user=api_user())

    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignSchema)
    def post(self, data: dict):
        """Start a campaign: topic, area, period, target tags, volunteers, visit length, visits per half-day."""
        campaign = service.create_campaign(user=api_user(), **data)
        return campaign


@blp.route("/campaigns/<int:campaign_id>")
class CampaignById(MethodView):
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id: int):
        """One campaign with the figures of its last plan."""
        return service.get_campaign(user=api_user(), campaign_id=campaign_id)


@blp.route("/campaigns/<int:campaign_id>/plan")
class CampaignPlan(MethodView):
    @blp.response(200, CampaignSchema)
    def post(self, campaign_id: int):
        """Plan, or re-plan, every visit not finished over the volunteers' free half-days still ahead."""
        campaign = service.plan_campaign(user=api_user(), campaign_id=campaign_id)
        return campaign


@blp.route("/campaigns/<int:campaign_id>/routes")
class CampaignRoutes(MethodView):
    @blp.response(200, RouteSheetSchema(many=True))
    def get(self, campaign_id: int):
        """Every route of the campaign, each in visiting order (staff of the area)."""
        return service.campaign_routes(user=api_user(), campaign_id=campaign_id)


@blp.route("/campaigns/<int:campaign_id>/coverage")
class CampaignCoverage(MethodView):
    @blp.response(200, CoverageSchema)
    def get(self, campaign_id: int):
        """The campaign's households as points with each visit's outcome, no addresses (staff of the area)."""
        return service.coverage(user=api_user(), campaign_id=campaign_id)


@blp.route("/mine")
class MyRoutes(MethodView):
    @blp.response(200, RouteSheetSchema(many=True))
    def get(self):
        """Your routes from today on (volunteers)."""
        return service.my_routes(user=api_user())


@blp.route("/visits/<int:visit_id>/outcome")
class VisitOutcome(MethodView):
    @blp.arguments(OutcomeSchema)
    @blp.response(200, VisitSchema)
    def post(self, data: dict, visit_id: int):
        """Record what came of a visit: visited, not_home or refused, with a note (its volunteer or staff)."""
        visit = service.record_outcome(user=api_user(), visit_id=visit_id, **data)
        return visit
