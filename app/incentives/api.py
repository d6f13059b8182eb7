"""REST API for incentives: rules, hours and points ledgers, accounts, the points shop, rankings, documents."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.incentives import documents, service
from app.incentives.schemas import (
    AccountSchema,
    CertificateQuerySchema,
    HoursEntrySchema,
    HoursQuerySchema,
    ItemCreateSchema,
    ItemQuerySchema,
    ItemSchema,
    ItemUpdateSchema,
    LedgerCorrectionSchema,
    PointsEntrySchema,
    RankingQuerySchema,
    RankingRowSchema,
    RedeemSchema,
    RedemptionQuerySchema,
    RedemptionSchema,
    RuleCreateSchema,
    RuleQuerySchema,
    RuleSchema,
    SubsidyQuerySchema,
)

blp = Blueprint(
    "incentives",
    __name__,
    url_prefix="/incentives",
    description="Incentives (激励): hours ledger, points rules and balances, points shop (爱心超市), rankings",
)

PDF_BODY = {"type": "string", "format": "binary"}
XLSX_BODY = {"type": "string", "format": "binary"}


@blp.route("/rules")
class Rules(MethodView):
    @blp.arguments(RuleQuerySchema, location="query")
    @blp.response(200, RuleSchema(many=True))
    def get(self, query: dict):
        """The shared default's rule versions and the county's own (the caller's), newest first."""
        rules = service.list_rules(user=api_user(), **query)
        return rules

    @blp.arguments(RuleCreateSchema)
    @blp.response(201, RuleSchema)
    def post(self, data: dict):
        """A new rule version for the caller's county (its county staff, admin), or the shared default (admin, no
        county): applies from effective_from on, past points unchanged."""
        rule = service.create_rule(user=api_user(), **data)
        return rule


@blp.route("/volunteers/<int:volunteer_id>/account")
class VolunteerAccount(MethodView):
    @blp.response(200, AccountSchema)
    def get(self, volunteer_id: int):
        """Balance, points earned and hours served (the volunteer, or staff in scope)."""
        return service.account(user=api_user(), volunteer_id=volunteer_id)


@blp.route("/volunteers/<int:volunteer_id>/hours")
class VolunteerHours(MethodView):
    @blp.arguments(HoursQuerySchema, location="query")
    @blp.response(200, HoursEntrySchema(many=True))
    def get(self, query: dict, volunteer_id: int):
        """The volunteer's hours lines, oldest first (corrections are lines of their own)."""
        return service.hours_entries(user=api_user(), volunteer_id=volunteer_id, **query)


@blp.route("/volunteers/<int:volunteer_id>/points")
class VolunteerPoints(MethodView):
    @blp.response(200, PointsEntrySchema(many=True))
    def get(self, volunteer_id: int):
        """The volunteer's points lines, newest first, each with the rule version it was earned under."""
        return service.points_entries(user=api_user(), volunteer_id=volunteer_id)


@blp.route("/volunteers/<int:volunteer_id>/certificate.pdf")
class VolunteerCertificate(MethodView):
    @blp.arguments(CertificateQuerySchema, location="query")
    @blp.response(200, PDF_BODY, description="PDF", content_type="application/pdf")
    def get(self, query: dict, volunteer_id: int):
        """The service certificate (志愿服务证明): hours and activities in a period."""
        cert = service.certificate(user=api_user(), volunteer_id=volunteer_id, **query)
        response = Response(documents.certificate_pdf(cert), mimetype=documents.PDF_MIMETYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="certificate_{cert.serial}.pdf"'
        return response


@blp.route("/hours/<int:entry_id>/corrections")
class HoursCorrections(MethodView):
    @blp.arguments(LedgerCorrectionSchema)
    @blp.response(201, HoursEntrySchema)
    def post(self, data: dict, entry_id: int):
        """Staff correct a service line with a new line of signed minutes; points follow at that line's rule."""
        line = service.correct_hours(user=api_user(), entry_id=entry_id, **data)
        return line


@blp.route("/shop/items")
class ShopItems(MethodView):
    @blp.arguments(ItemQuerySchema, location="query")
    @blp.response(200, ItemSchema(many=True))
    def get(self, query: dict):
        """Items you may see: staff their scope's shops, volunteers their home station's and those above."""
        return service.list_items(user=api_user(), **query)

    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    def post(self, data: dict):
        """Station staff add an item to a shop in their scope."""
        item = service.create_item(user=api_user(), **data)
        return item


@blp.route("/shop/items/<int:item_id>")
class ShopItemById(MethodView):
    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, ItemSchema)
    def patch(self, data: dict, item_id: int):
        """Restock (add_stock, signed), reprice, retire or describe an item; stock never goes below zero."""
        item = service.update_item(user=api_user(), item_id=item_id, **data)
        return item


@blp.route("/shop/redemptions")
class Redemptions(MethodView):
    @blp.arguments(RedemptionQuerySchema, location="query")
    @blp.response(200, RedemptionSchema(many=True))
    def get(self, query: dict):
        """Redemptions: staff their scope's shops, volunteers their own; newest first."""
        return service.list_redemptions(user=api_user(), **query)

    @blp.arguments(RedeemSchema)
    @blp.response(201, RedemptionSchema)
    def post(self, data: dict):
        """Redeem one item for points (409 out_of_stock or insufficient_points)."""
        redemption = service.redeem(user=api_user(), **data)
        return redemption


@blp.route("/shop/redemptions/<int:redemption_id>/hand-over")
class RedemptionHandOver(MethodView):
    @blp.response(200, RedemptionSchema)
    def post(self, redemption_id: int):
        """Staff record that the item was handed over."""
        redemption = service.hand_over(user=api_user(), redemption_id=redemption_id)
        return redemption


@blp.route("/shop/redemptions/<int:redemption_id>/cancel")
class RedemptionCancel(MethodView):
    @blp.response(200, RedemptionSchema)
    def post(self, redemption_id: int):
        """Staff cancel a redemption not yet handed over: stock and points go back."""
        redemption = service.cancel_redemption(user=api_user(), redemption_id=redemption_id)
        return redemption


@blp.route("/rankings")
class Rankings(MethodView):
    @blp.arguments(RankingQuerySchema, location="query")
    @blp.response(200, RankingRowSchema(many=True))
    def get(self, query: dict):
        """A month's ranking of volunteers, teams or stations by points earned, then hours."""
        month = query.pop("month") or service.current_month()
        return service.ranking(user=api_user(), month=month, **query)


@blp.route("/subsidy.xlsx")
class Subsidy(MethodView):
    @blp.arguments(SubsidyQuerySchema, location="query")
    @blp.response(200, XLSX_BODY, description="XLSX", content_type=documents.XLSX_MIMETYPE)
    def get(self, query: dict):
        """Subsidy per volunteer, team and station for a period (staff; hours x SUBSIDY_YUAN_PER_HOUR)."""
        report = service.subsidy_report(user=api_user(), **query)
        response = Response(documents.subsidy_xlsx(report), mimetype=documents.XLSX_MIMETYPE)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="subsidy_{report.start.isoformat()}_{report.end.isoformat()}.xlsx"'
        )
        return response
