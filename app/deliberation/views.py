"""Deliberation pages: meetings and demands for staff, and each station's public progress page for residents."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext

from app.accounts.access import in_scope, roles_for
from app.accounts.models import User
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.deliberation import service
from app.deliberation.models import DEMAND_CATEGORIES
from app.extensions import db
from app.menu.models import MenuItem
from app.stations.models import Station
from app.web.errors import label_params
from app.web.pages import act_and_return, allows, me, refused
from app.web.service_messages import N_

bp = Blueprint("deliberation_views", __name__, template_folder="templates")

# Demand states share English words with order states but not their Chinese (受理, not 接单).
STATUS_LABELS = {
    "collected": lazy_pgettext("demand", "Collected"),
    "accepted": lazy_pgettext("demand", "Accepted"),
    "in_progress": lazy_pgettext("demand", "In progress"),
    "done": lazy_pgettext("demand", "Done"),
    "reported_back": lazy_pgettext("demand", "Reported back"),
    "declined": lazy_pgettext("demand", "Declined"),
}
CATEGORY_LABELS = {
    "stairwell": N_("Stairwell clutter"),
    "renovation": N_("Old-estate renovation"),
    "heating": N_("Heating"),
    "parking": N_("Parking"),
    "environment": N_("Environment"),
    "elderly": N_("Care for the elderly"),
    "safety": N_("Safety"),
    "other": N_("Other"),
}
# Refusals the deliberation service raises, listed so pybabel extracts them.
MESSAGES = (
    N_("a meeting is recorded after it was held"),
    N_("give the meeting a title"),
    N_("say what residents asked for"),
    N_("an accepted demand needs a due date"),
    N_("the due date has passed"),
    N_("write what residents will be told"),
    N_("the owner is staff responsible for this station"),
    N_("change the owner or the due date"),
    N_("a finished demand keeps its owner and due date"),
    N_("a demand that is %(demand_state)s cannot become %(demand_step)s"),
    N_("a demand that is %(demand_state)s cannot be turned into orders"),
)
label_params("demand_state", STATUS_LABELS)
label_params("demand_step", STATUS_LABELS)
NEXT_STEPS = {
    "collected": ("accepted", "declined"),
    "accepted": ("in_progress",),
    "in_progress": ("done",),
    "done": ("reported_back",),
}


def _labels() -> dict:
    return {
        "status_labels": {k: str(v) for k, v in STATUS_LABELS.items()},
        "category_labels": {k: _(v) for k, v in CATEGORY_LABELS.items()},
        "today": to_local(utcnow()).date(),
    }


def _scope_stations(user: User) -> list[Station]:
    stations = db.session.scalars(db.select(Station).where(Station.active.is_(True)).order_by(Station.code))
    return [s for s in stations if in_scope(user, "deliberation.manage", s.id)]


def _owners_for(station_id: int) -> list[User]:
    staff = db.session.scalars(
        db.select(User).where(User.role.in_(roles_for("deliberation.demand.own"))).order_by(User.username)
    )
    return [u for u in staff if in_scope(u, "deliberation.demand.own", station_id)]


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() else None


@bp.get("/deliberation/")
@allows("deliberation.manage")
def index():
    """Meetings and open demands in my scope, and a form for a meeting just held."""
    user = me()
    demands = [d for d in service.list_demands(user=user) if d.status in ("collected", *service.OPEN_STATUSES)]
    demands.sort(key=lambda d: (d.due_on is None, d.due_on or date.max, d.id))
    return render_template(
        "deliberation/index.html",
        meetings=service.list_meetings(user=user, limit=50),
        demands=demands,
        stations=_scope_stations(user),
        **_labels(),
    )


@bp.post("/deliberation/meetings")
@allows("deliberation.manage")
def create_meeting():
    """Record a meeting."""
    held_on, station_id = _date("held_on"), _int("station_id")
    if held_on is None or station_id is None:
        flash(_("Please check what you entered"), "error")
        return redirect(url_for("deliberation_views.index"))
    try:
        meeting = service.record_meeting(
            user=me(),
            station_id=station_id,
            held_on=held_on,
            title=request.form.get("title", "")[:120],
            attendees_count=_int("attendees_count") or 0,
            attendee_names=request.form.get("attendee_names", "")[:4000],
            topics=request.form.get("topics", "").splitlines()[:30],
            minutes=request.form.get("minutes", "")[:20_000],
        )
    except DomainError as error:
        flash(refused(error), "error")
        return redirect(url_for("deliberation_views.index"))
    flash(_("Meeting recorded"), "success")
    return redirect(url_for("deliberation_views.meeting", meeting_id=meeting.id))


@bp.get("/deliberation/meetings/<int:meeting_id>")
@allows("deliberation.manage")
def meeting(meeting_id: int):
    """A meeting, its demands and a form for another demand."""
    found = service.get_meeting(user=me(), meeting_id=meeting_id)
    return render_template("deliberation/meeting.html", meeting=found, categories=DEMAND_CATEGORIES, **_labels())


@bp.post("/deliberation/meetings/<int:meeting_id>/demands")
@allows("deliberation.manage")
def add_demand(meeting_id: int):
    """Capture a demand raised at the meeting."""
    return act_and_return(
        lambda: service.raise_demand(
            user=me(),
            meeting_id=meeting_id,
            title=request.form.get("title", "")[:120],
            description=request.form.get("description", "")[:4000],
            category=request.form.get("category", "other"),
        ),
        _("Demand recorded"),
        url_for("deliberation_views.meeting", meeting_id=meeting_id),
    )


@bp.get("/deliberation/demands/<int:demand_id>")
@allows("deliberation.manage")
def demand(demand_id: int):
    """A demand: its state, the next step, owner and due date, orders made from it, its history."""
    found = service.get_demand(user=me(), demand_id=demand_id)
    items = list(db.session.scalars(db.select(MenuItem).where(MenuItem.active.is_(True)).order_by(MenuItem.code)))
    return render_template(
        "deliberation/demand.html",
        demand=found,
        next_steps=NEXT_STEPS.get(found.status, ()),
        owners=_owners_for(found.station_id),
        items=items,
        **_labels(),
    )


@bp.post("/deliberation/demands/<int:demand_id>/move")
@allows("deliberation.manage")
def move(demand_id: int):
    """Take the demand one step."""
    return act_and_return(
        lambda: service.move(
            user=me(),
            demand_id=demand_id,
            to_status=request.form.get("to_status", ""),
            note=request.form.get("note", "")[:4000],
            owner_id=_int("owner_id"),
            due_on=_date("due_on"),
        ),
        _("Saved"),
        url_for("deliberation_views.demand", demand_id=demand_id),
    )


@bp.post("/deliberation/demands/<int:demand_id>/orders")
@allows("deliberation.manage")
def place_order(demand_id: int):
    """Place an order at the demand's station for a day and hours."""
    day, item_id = _date("day"), _int("menu_item_id")
    start_hour, end_hour = _int("start_hour"), _int("end_hour")
    back = url_for("deliberation_views.demand", demand_id=demand_id)
    if day is None or item_id is None or start_hour is None or end_hour is None or not 0 <= start_hour < end_hour <= 23:
        flash(_("Please check what you entered"), "error")
        return redirect(back)
    start = datetime.combine(day, time(start_hour), tzinfo=LOCAL_TZ)
    end = datetime.combine(day, time(end_hour), tzinfo=LOCAL_TZ)
    return act_and_return(
        lambda: service.place_orders(
            user=me(), demand_id=demand_id, menu_item_id=item_id, windows=[{"start": start, "end": end}]
        ),
        _("Order placed"),
        back,
    )


@bp.get("/progress/<station_code>")
def progress(station_code: str):
    """What became of what residents raised at this station (public; no names)."""
    station, meetings, demands = service.public_progress(station_code=station_code)
    return render_template(
        "deliberation/progress.html", station=station, meetings=meetings, demands=demands, **_labels()
    )
