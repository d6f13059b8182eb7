"""Visit campaign pages: campaigns and the household list for staff, route sheets, and the volunteer's phone view."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.access import in_scope
from app.accounts.models import User
from app.core.errors import DomainError
from app.core.masking import mask_address
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.stations.models import Station
from app.visits import service
from app.visits.documents import PDF_MIMETYPE, route_sheets_pdf
from app.visits.models import HOUSEHOLD_TAGS, TOPICS
from app.volunteers.models import Volunteer
from app.web.imports import preview_page, upload_page
from app.web.pages import act_and_return, allows, me, refused
from app.web.service_messages import N_

bp = Blueprint("visits_views", __name__, template_folder="templates")

TOPIC_LABELS = {
    "fire_safety": N_("Fire safety"),
    "waste_sorting": N_("Waste sorting"),
    "anti_fraud": N_("Fraud prevention"),
    "policy": N_("Policy explained"),
    "health": N_("Health"),
    "other": N_("Other"),
}
TAG_LABELS = {
    "elderly_alone": N_("Elderly living alone"),
    "fire_hazard": N_("Fire hazard"),
    "disability": N_("Disability"),
    "low_income": N_("Low income"),
    "left_behind_child": N_("Left-behind child"),
    "other": N_("Other"),
}
OUTCOME_LABELS = {
    "pending": N_("To visit"),
    "visited": N_("Visited"),
    "not_home": N_("Not at home"),
    "refused": N_("Refused the visit"),
}
# Refusals the visits service raises, listed so pybabel extracts them.
MESSAGES = (
    N_("give the campaign a title"),
    N_("unknown topic"),
    N_("unknown way of travelling"),
    N_("the campaign ends before it starts"),
    N_("the campaign's period has passed"),
    N_("a campaign lasts at most three months"),
    N_("a tag is not on the list of tags"),
    N_("choose volunteers of this area"),
    N_("no household of this area carries these tags"),
    N_("the planner returned routes that break the rules"),
    N_("the outcome is visited, not_home or refused"),
    N_("the first row must name the columns code, address, lat, lon and station"),
    N_("a household with this code exists already at this station"),
    N_("an address is required"),
    N_("the address is longer than 200 characters"),
    N_("the latitude must be a number from -90 to 90"),
    N_("the longitude must be a number from -180 to 180"),
)
# (Chinese heading, English heading, what it holds): both headings are accepted.
IMPORT_COLUMNS = (
    ("编号", "code", _l("Household code, unique at its station (required)")),
    ("地址", "address", _l("Address (required; shown only to staff and the visiting volunteer)")),
    ("纬度", "lat", _l("Latitude, such as 35.85 (required)")),
    ("经度", "lon", _l("Longitude, such as 106.64 (required)")),
    ("站点", "station", _l("Station code or name (required)")),
    ("标签", "tags", _l("Tags such as elderly_alone or fire_hazard, in Chinese or English (optional)")),
)


def _labels() -> dict:
    return {
        "topic_labels": {k: _(v) for k, v in TOPIC_LABELS.items()},
        "tag_labels": {k: _(v) for k, v in TAG_LABELS.items()},
        "outcome_labels": {k: _(v) for k, v in OUTCOME_LABELS.items()},
        "local": to_local,
        "today": to_local(utcnow()).date(),
    }


def _scope_stations(user: User) -> list[Station]:
    stations = db.session.scalars(db.select(Station).where(Station.active.is_(True)).order_by(Station.code))
    return [s for s in stations if in_scope(user, "visits.manage", s.id)]


@bp.get("/visits/")
@allows("visits.manage")
def index():
    """Campaigns in my scope, the household list's size, and a form for a new campaign."""
    user = me()
    households = service.list_households(user=user)
    tag_counts = {t: sum(1 for h in households if t in h.tags) for t in HOUSEHOLD_TAGS}
    stations = _scope_stations(user)
    ids = {s.id for s in stations}
    volunteers = db.session.scalars(
        db.select(Volunteer).where(Volunteer.active.is_(True), Volunteer.station_id.in_(ids)).order_by(Volunteer.code)
    )
    return render_template(
        "visits/index.html",
        campaigns=service.list_campaigns(user=user),
        households=len(households),
        tag_counts=tag_counts,
        stations=stations,
        volunteers=list(volunteers),
        topics=TOPICS,
        tags=HOUSEHOLD_TAGS,
        **_labels(),
    )


def _form_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


def _form_int(name: str, default: int) -> int:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() else default


@bp.post("/visits/campaigns")
@allows("visits.manage")
def create_campaign():
    """Start a campaign from the form."""
    starts_on, ends_on = _form_date("starts_on"), _form_date("ends_on")
    station_id = _form_int("station_id", 0)
    if starts_on is None or ends_on is None or not station_id:
        flash(_("Please check what you entered"), "error")
        return redirect(url_for("visits_views.index"))
    try:
        campaign = service.create_campaign(
            user=me(),
            station_id=station_id,
            title=request.form.get("title", ""),
            topic=request.form.get("topic", ""),
            starts_on=starts_on,
            ends_on=ends_on,
            target_tags=request.form.getlist("target_tags"),
            volunteer_ids=[int(v) for v in request.form.getlist("volunteer_ids") if v.isdigit()],
            visit_minutes=min(max(_form_int("visit_minutes", 20), 5), 180),
            max_visits_per_shift=min(max(_form_int("max_visits_per_shift", 8), 1), 40),
            travel_mode="drive" if request.form.get("travel_mode") == "drive" else "walk",
        )
    except DomainError as error:
        flash(refused(error), "error")
        return redirect(url_for("visits_views.index"))
    flash(_("Campaign started with %(n)s households.", n=len(campaign.visits)), "success")
    return redirect(url_for("visits_views.campaign", campaign_id=campaign.id))


@bp.get("/visits/campaigns/<int:campaign_id>")
@allows("visits.manage")
def campaign(campaign_id: int):
    """A campaign: its figures, coverage map, routes, and the plan / re-plan button."""
    user = me()
    found = service.get_campaign(user=user, campaign_id=campaign_id)
    cover = service.coverage(user=user, campaign_id=campaign_id)
    return render_template(
        "visits/campaign.html",
        campaign=found,
        coverage=cover,
        sheets=service.campaign_routes(user=user, campaign_id=campaign_id),
        **_labels(),
    )


@bp.post("/visits/campaigns/<int:campaign_id>/plan")
@allows("visits.manage")
def plan(campaign_id: int):
    """Plan, or re-plan what is not finished."""
    return act_and_return(
        lambda: service.plan_campaign(user=me(), campaign_id=campaign_id),
        _("Routes planned."),
        url_for("visits_views.campaign", campaign_id=campaign_id),
    )


@bp.get("/visits/campaigns/<int:campaign_id>/sheets")
@allows("visits.manage")
def sheets(campaign_id: int):
    """Every route of the campaign as a print-friendly sheet, one per half-day, in visiting order."""
    user = me()
    found = service.get_campaign(user=user, campaign_id=campaign_id)
    return render_template(
        "visits/sheets.html",
        campaign=found,
        sheets=service.campaign_routes(user=user, campaign_id=campaign_id),
        **_labels(),
    )


@bp.get("/visits/campaigns/<int:campaign_id>/sheets.pdf")
@allows("visits.manage")
def sheets_pdf(campaign_id: int):
    """The route sheets as a PDF."""
    routes = service.campaign_routes(user=me(), campaign_id=campaign_id)
    body = route_sheets_pdf(
        routes, topic=_(TOPIC_LABELS[service.get_campaign(user=me(), campaign_id=campaign_id).topic])
    )
    return Response(
        body,
        mimetype=PDF_MIMETYPE,
        headers={"Content-Disposition": f'inline; filename="routes-{campaign_id}.pdf"', "Cache-Control": "no-store"},
    )


@bp.get("/visits/households")
@allows("visits.manage")
def households():
    """The household list of my scope, addresses masked."""
    rows = service.list_households(user=me(), tag=request.args.get("tag") or None)
    return render_template(
        "visits/households.html", households=rows[:500], total=len(rows), mask=mask_address, **_labels()
    )


@bp.route("/visits/households/import", methods=["GET", "POST"])
@allows("visits.manage")
def import_households():
    """Upload a household list; every row is checked and shown before anything is imported."""
    return upload_page(
        service.preview_household_import,
        template="visits/import.html",
        preview_endpoint="visits_views.import_preview",
        columns=IMPORT_COLUMNS,
    )


@bp.route("/visits/households/import/<int:import_id>", methods=["GET", "POST"])
@allows("visits.manage")
def import_preview(import_id: int):
    """The checked rows of an upload with their errors; confirming imports them once."""
    return preview_page(
        import_id,
        get=service.get_household_import,
        commit=service.commit_household_import,
        done=N_("%(n)s households imported; %(m)s rows left out."),
        template="visits/import_preview.html",
        upload_endpoint="visits_views.import_households",
        mask=mask_address,
        paged=False,
    )


@bp.get("/visits/mine")
@allows("visits.mine")
def mine():
    """My routes from today on, each visit with buttons to record what came of it (phone first)."""
    return render_template("visits/mine.html", sheets=service.my_routes(user=me()), **_labels())


@bp.post("/visits/visits/<int:visit_id>/outcome")
@allows("visits.record")
def outcome(visit_id: int):
    """Record a visit's outcome from the phone view or the campaign page."""
    return act_and_return(
        lambda: service.record_outcome(
            user=me(),
            visit_id=visit_id,
            outcome=request.form.get("outcome", ""),
            note=request.form.get("note", ""),
        ),
        _("Saved."),
        url_for("visits_views.mine"),
    )
