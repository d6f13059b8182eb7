"""Incentive pages: my points (balance, ledger, shop, certificate), the shop desk for staff, monthly rankings,
points rules, and the certificate and subsidy downloads (session-authenticated routes over the service)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.access import allowed, home_county_id
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.incentives import documents, service
from app.incentives.models import PointsRule
from app.stations.models import Station
from app.volunteers.service import volunteer_of
from app.web.errors import label_params
from app.web.pages import act_and_return, allows, me, refused
from app.web.service_messages import N_

bp = Blueprint("incentives_views", __name__, url_prefix="/incentives")

# Refusals the incentive services raise, listed here so pybabel extracts them.
MESSAGES = (
    N_("not enough points"),
    N_("this item is out of stock"),
    N_("this item is no longer offered"),
    N_("stock cannot go below zero"),
    N_("an item costs at least one point"),
    N_("name the item"),
    N_("this shop already has an item of that name"),
    N_("only a redemption not yet handed over can be cancelled"),
    N_("a new rule cannot start in the past (past points never change)"),
    N_("the period ends before it starts"),
    N_("shop item not found"),
    N_("say which volunteer"),
    N_("a redemption that is %(redemption_state)s cannot be handed over"),
    N_("only an admin may change the shared points rule"),
    N_("too many points rules at once; try again"),
    N_("county not found"),
    N_("county not found in your scope"),
)
KIND_LABELS = {
    "service": N_("Service"),
    "rating_bonus": N_("Rating bonus"),
    "correction": N_("Correction"),
    "redemption": N_("Redeemed"),
    "refund": N_("Refund"),
}
REDEMPTION_LABELS = {"redeemed": N_("To collect"), "handed_over": N_("Handed over"), "cancelled": N_("Cancelled")}
label_params("redemption_state", REDEMPTION_LABELS)


def _day_arg(name: str, default: date) -> date:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        abort(400)


def _year_period() -> tuple[date, date]:
    today = to_local(utcnow()).date()
    return _day_arg("start", date(today.year, 1, 1)), _day_arg("end", today)


def _labels() -> dict:
    return {
        "kind_labels": {k: _(v) for k, v in KIND_LABELS.items()},
        "redemption_labels": {k: _(v) for k, v in REDEMPTION_LABELS.items()},
    }


@bp.get("/me")
@allows("incentives.mine")
def mine():
    """My points: balance, hours, the ledger, the shop I may use, my redemptions, my certificate."""
    user = me()
    volunteer = volunteer_of(user)
    if volunteer is None:
        abort(404)
    account = service.account(user=user, volunteer_id=volunteer.id)
    start, end = _year_period()
    return render_template(
        "incentives/mine.html",
        volunteer=volunteer,
        account=account,
        entries=service.points_entries(user=user, volunteer_id=volunteer.id, limit=30),
        items=service.list_items(user=user),
        redemptions=service.list_redemptions(user=user, limit=20),
        start=start,
        end=end,
        **_labels(),
    )


@bp.post("/redeem/<int:item_id>")
@allows("incentives.mine")
def redeem(item_id: int):
    """Redeem one item for my points."""
    return act_and_return(
        lambda: service.redeem(user=me(), item_id=item_id),
        _("Redeemed: collect it at the station"),
        url_for("incentives_views.mine"),
    )


def _certificate_response(volunteer_id: int) -> BaseResponse:
    start, end = _year_period()
    try:
        cert = service.certificate(user=me(), volunteer_id=volunteer_id, start=start, end=end)
    except DomainError as error:
        if error.status == 404:
            raise
        flash(refused(error), "error")
        return redirect(url_for("web.home"))
    response = Response(documents.certificate_pdf(cert), mimetype=documents.PDF_MIMETYPE)
    response.headers["Content-Disposition"] = f'inline; filename="certificate_{cert.serial}.pdf"'
    return response


@bp.get("/me/certificate.pdf")
@allows("incentives.mine")
def my_certificate():
    """My service certificate for a period (default this year so far)."""
    volunteer = volunteer_of(me())
    if volunteer is None:
        abort(404)
    return _certificate_response(volunteer.id)


@bp.get("/volunteers/<int:volunteer_id>/certificate.pdf")
@allows("incentives.ledger.see")
def volunteer_certificate(volunteer_id: int):
    """A volunteer's certificate, printed by staff in scope."""
    return _certificate_response(volunteer_id)


@bp.get("/rankings")
@allows("incentives.rankings.see")
def rankings():
    """This month's (or a chosen month's) rankings of volunteers, teams and stations."""
    user = me()
    # Another county than the caller's is 404 here, before the month is read.
    county = service.ranking_county(user=user, county=request.args.get("county") or None)
    code = county.code if county is not None else None
    month = request.args.get("month") or service.current_month()
    try:
        service.month_bounds(month)
    except DomainError:
        month = service.current_month()
    tables = {
        kind: service.ranking(user=user, month=month, kind=kind, limit=20, county=code)
        for kind in service.RANKING_KINDS
    }
    first, last = service.month_bounds(month)
    return render_template(
        "incentives/rankings.html",
        month=month,
        tables=tables,
        first=first,
        last=last,
        county=county,
        counties=service.counties_to_choose(user),
        is_staff=allowed(user, "incentives.subsidy"),
    )


@bp.get("/subsidy.xlsx")
@allows("incentives.subsidy")
def subsidy():
    """The subsidy report for a period (default the current month) as XLSX."""
    first, last = service.month_bounds(service.current_month())
    start, end = _day_arg("start", first), _day_arg("end", last)
    try:
        report = service.subsidy_report(user=me(), start=start, end=end)
    except DomainError as error:
        flash(refused(error), "error")
        return redirect(url_for("incentives_views.rankings"))
    response = Response(documents.subsidy_xlsx(report), mimetype=documents.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="subsidy_{start}_{end}.xlsx"'
    return response


@bp.get("/shop")
@allows("incentives.shop.manage")
def shop():
    """The shop desk: items with stock, a new item, redemptions to hand over."""
    user = me()
    from app.accounts.access import scope_station_ids

    ids = scope_station_ids(user)
    query = db.select(Station).where(Station.active.is_(True)).order_by(Station.code)
    if ids is not None:
        query = query.where(Station.id.in_(ids))
    return render_template(
        "incentives/shop.html",
        items=service.list_items(user=user, include_inactive=True),
        redemptions=service.list_redemptions(user=user, limit=100),
        stations=list(db.session.scalars(query)),
        **_labels(),
    )


def _int_field(name: str, *, required: bool = True) -> int | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@bp.post("/shop/items")
@allows("incentives.shop.manage")
def create_item():
    """Add an item to a shop."""
    station_id, cost, stock = _int_field("station_id"), _int_field("points_cost"), _int_field("stock")
    if station_id is None or cost is None or stock is None:
        flash(_("Please check what you entered"), "error")
        return redirect(url_for("incentives_views.shop"))
    return act_and_return(
        lambda: service.create_item(
            user=me(),
            station_id=station_id,
            name=request.form.get("name", "")[:80],
            points_cost=cost,
            stock=stock,
            description=request.form.get("description", "")[:200],
        ),
        _("Item added"),
        url_for("incentives_views.shop"),
    )


@bp.post("/shop/items/<int:item_id>")
@allows("incentives.shop.manage")
def update_item(item_id: int):
    """Restock, reprice or retire an item."""
    add_stock = _int_field("add_stock", required=False)
    cost = _int_field("points_cost", required=False)
    active = {"1": True, "0": False}.get(request.form.get("active", ""))
    return act_and_return(
        lambda: service.update_item(user=me(), item_id=item_id, add_stock=add_stock, points_cost=cost, active=active),
        _("Saved"),
        url_for("incentives_views.shop"),
    )


@bp.post("/shop/redemptions/<int:redemption_id>/hand-over")
@allows("incentives.shop.manage")
def hand_over(redemption_id: int):
    """Record that a redeemed item was handed over."""
    return act_and_return(
        lambda: service.hand_over(user=me(), redemption_id=redemption_id),
        _("Handed over"),
        url_for("incentives_views.shop"),
    )


@bp.post("/shop/redemptions/<int:redemption_id>/cancel")
@allows("incentives.shop.manage")
def cancel_redemption(redemption_id: int):
    """Cancel a redemption: the item back on the shelf, the points back to the volunteer."""
    return act_and_return(
        lambda: service.cancel_redemption(user=me(), redemption_id=redemption_id),
        _("Cancelled: points refunded"),
        url_for("incentives_views.shop"),
    )


def rule_note_shown(rule: PointsRule) -> str:
    """A rule's note, the first rule's (stored in Chinese) in the reader's language."""
    return _("Initial rule (from the settings)") if rule.note == service.INITIAL_RULE_NOTE else rule.note


@bp.get("/rules")
@allows("incentives.rule.edit")
def rules():
    """Points rule versions (the shared default's and the county's own) and a form for the county's next one."""
    user = me()
    county = request.args.get("county") or None
    rules = service.list_rules(user=user, county=county)
    home = home_county_id(user)
    return render_template(
        "incentives/rules.html",
        rules=rules,
        in_force=service.current_rule(county_id=home) if home is not None else None,
        home_county=db.session.get(Station, home) if home is not None else None,
        counties=service.counties_to_choose(user),
        note_shown=rule_note_shown,
    )


@bp.post("/rules")
@allows("incentives.rule.edit")
def create_rule():
    """Start a new rule version now."""
    values = {
        name: _int_field(name)
        for name in ("points_per_hour", "rating_bonus", "rating_bonus_min_stars", "priority_bonus")
    }
    if (
        any(v is None or not 0 <= v <= 100_000 for v in values.values())
        or not 1 <= values["rating_bonus_min_stars"] <= 5
    ):
        flash(_("Please check what you entered"), "error")
        return redirect(url_for("incentives_views.rules"))
    return act_and_return(
        lambda: service.create_rule(
            user=me(),
            note=request.form.get("note", "")[:200],
            county=(request.form.get("county") or None) if allowed(me(), "incentives.rule.shared.edit") else None,
            **values,
        ),
        _("New rule in force"),
        url_for("incentives_views.rules"),
    )


@bp.get("/volunteers/<int:volunteer_id>")
@allows("incentives.ledger.see")
def volunteer_ledger(volunteer_id: int):
    """A volunteer's hours lines with a correction form on each service line, their balance and certificate."""
    user = me()
    account = service.account(user=user, volunteer_id=volunteer_id)
    from app.volunteers.models import Volunteer

    return render_template(
        "incentives/ledger.html",
        volunteer=db.session.get(Volunteer, volunteer_id),
        account=account,
        lines=service.hours_entries(user=user, volunteer_id=volunteer_id),
        start=_year_period()[0],
        end=_year_period()[1],
        **_labels(),
    )


@bp.post("/hours/<int:entry_id>/corrections")
@allows("incentives.hours.correct")
def correct(entry_id: int):
    """Append a correction to a service line."""
    from app.incentives.models import HoursEntry

    line = db.session.get(HoursEntry, entry_id)
    back = url_for("incentives_views.volunteer_ledger", volunteer_id=line.volunteer_id) if line else url_for("web.home")
    minutes = request.form.get("minutes", "").strip()
    try:
        delta = int(minutes)
    except ValueError:
        flash(_("Please check what you entered"), "error")
        return redirect(back)
    return act_and_return(
        lambda: service.correct_hours(
            user=me(), entry_id=entry_id, minutes=delta, reason=request.form.get("reason", "")[:400]
        ),
        _("Correction recorded"),
        back,
    )
