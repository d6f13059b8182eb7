"""Volunteer pages: my service (roster, check-in, hours and points), the weekly availability editor,
the team page for leads, and team and volunteer management for staff."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from app.core.errors import DomainError
from app.extensions import db
from app.orders import service as order_service
from app.volunteers import service as volunteer_service
from app.web.errors import domain_message
from app.web.pages import choices, me, roles, show_error

bp = Blueprint("volunteers_views", __name__)

STAFF = ("station_staff", "county_staff", "admin")
SLOTS_PER_DAY = 3
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _my_volunteer():
    """The signed-in user's volunteer record, or 404 for accounts without one."""
    volunteer = volunteer_service.volunteer_of(me())
    if volunteer is None:
        abort(404)
    return volunteer


def _served(volunteer) -> dict:  # noqa: ANN001
    """Orders served, hours and spendable points, from the incentives ledger (corrections included)."""
    from app.incentives.service import account_of

    served = {r.order_id for r in _records(volunteer) if r.minutes and r.order.status in ("completed", "rated")}
    standing = account_of(volunteer.id)
    return {"orders": len(served), "hours": standing.hours, "points": standing.balance}


def _records(volunteer) -> list:  # noqa: ANN001
    """Every service record of a volunteer (their own work, for check-in state, hours and points)."""
    from app.orders.models import ServiceRecord

    return list(db.session.scalars(db.select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id)))


@bp.get("/me", endpoint="me")
@roles("volunteer", "team_lead")
def my_service():
    """My service: upcoming crew orders with check-in and check-out, hours and points, links to roster."""
    user = me()
    volunteer = volunteer_service.volunteer_of(user)
    if volunteer is None and user.role == "team_lead":
        return redirect(url_for("dispatch_views.inbox"))
    if volunteer is None:
        abort(404)
    upcoming = [o for o in order_service.list_orders(user=user, limit=200) if o.status in ("accepted", "in_service")]
    from app.dispatch.crew import accepted_proposal

    plans = [(o, accepted_proposal(o)) for o in upcoming]
    plans.sort(key=lambda pair: pair[1].start_at if pair[1] else pair[0].created_at)
    records = {r.order_id: r for r in _records(volunteer)}
    return render_template(
        "volunteers/me.html", volunteer=volunteer, plans=plans, records=records, served=_served(volunteer)
    )


class AvailabilityForm(FlaskForm):
    """CSRF and a day off to add; the weekly slots are read from the request (slot-<day>-<n>-start/end)."""

    day_off = DateField(_l("Add a day I cannot serve"), validators=[Optional()])
    day_off_note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


def _minute(value: str) -> int | None:
    match = _HHMM.match(value.strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes == 0:
        return 1440
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def _parse_weekly(values) -> tuple[list[dict], list[str]]:  # noqa: ANN001
    """Weekly slots from the editor's time inputs, and what was wrong with any of them."""
    weekly, problems = [], []
    for weekday in range(7):
        for n in range(SLOTS_PER_DAY):
            start_s = values.get(f"slot-{weekday}-{n}-start", "").strip()
            end_s = values.get(f"slot-{weekday}-{n}-end", "").strip()
            if not start_s and not end_s:
                continue
            start, end = _minute(start_s), _minute(end_s)
            if start is None or end is None or start >= end:
                problems.append(f"{weekday}-{n}")
                continue
            weekly.append({"weekday": weekday, "start_minute": start, "end_minute": end})
    return weekly, problems


def _availability_page(volunteer_id: int, back: str):
    user = me()
    current = volunteer_service.availability_of(user=user, volunteer_id=volunteer_id)
    volunteer = volunteer_service.get_volunteer(user=user, volunteer_id=volunteer_id)
    form = AvailabilityForm()
    problems: list[str] = []
    if form.validate_on_submit():
        weekly, problems = _parse_weekly(request.form)
        keep = {int(v) for v in request.form.getlist("keep_exception") if v.isdigit()}
        exceptions = [
            {
                "day": e.day,
                "start_minute": e.start_minute,
                "end_minute": e.end_minute,
                "available": e.available,
                "note": e.note,
            }
            for e in current["exceptions"]
            if e.id in keep
        ]
        if form.day_off.data and not any(e["day"] == form.day_off.data and e["start_minute"] == 0 for e in exceptions):
            exceptions.append(
                {
                    "day": form.day_off.data,
                    "start_minute": 0,
                    "end_minute": 1440,
                    "available": False,
                    "note": (form.day_off_note.data or "").strip()[:200],
                }
            )
        if problems:
            form.form_errors.append(_("Some times are not valid: each start must be before its end (HH:MM)."))
        else:
            try:
                volunteer_service.set_availability(
                    user=user, volunteer_id=volunteer_id, weekly=weekly, exceptions=exceptions
                )
            except DomainError as error:
                show_error(form, error)
            else:
                flash(_("Your available times are saved."), "success")
                return redirect(back)
    by_day: dict[int, list] = {d: [] for d in range(7)}
    for slot in current["weekly"]:
        by_day[slot.weekday].append(slot)
    values = request.form if request.method == "POST" else None
    return render_template(
        "volunteers/availability.html",
        volunteer=volunteer,
        by_day=by_day,
        form=form,
        exceptions=current["exceptions"],
        slots_per_day=SLOTS_PER_DAY,
        values=values,
        problems=set(problems),
    )


@bp.route("/me/availability", methods=["GET", "POST"])
@roles("volunteer", "team_lead")
def my_availability():
    """The weekly availability editor for oneself."""
    volunteer = _my_volunteer()
    return _availability_page(volunteer.id, url_for("volunteers_views.my_availability"))


@bp.route("/volunteers/<int:volunteer_id>/availability", methods=["GET", "POST"])
@roles("team_lead", *STAFF)
def availability(volunteer_id: int):
    """The weekly availability editor for a team member (lead or staff)."""
    return _availability_page(volunteer_id, url_for("volunteers_views.volunteer", volunteer_id=volunteer_id))


@bp.get("/team")
@roles("team_lead")
def my_team():
    """A lead's own team (the first one if they lead several)."""
    ids = sorted(volunteer_service.lead_team_ids(me()))
    if not ids:
        abort(404)
    return team(ids[0])


@bp.get("/teams")
@roles("team_lead", *STAFF)
def teams():
    """Teams in the user's scope."""
    return render_template("volunteers/teams.html", teams=volunteer_service.list_teams(user=me()))


@bp.get("/teams/<int:team_id>")
@roles("team_lead", *STAFF)
def team(team_id: int):
    """A team: members, their skills, availability at a glance, and its roster."""
    user = me()
    row = volunteer_service.get_team(user=user, team_id=team_id)
    members = volunteer_service.list_volunteers(user=user, team_id=team_id)
    grid = {m.id: {d: [] for d in range(7)} for m in members}
    for m in members:
        for slot in m.availability:
            grid[m.id][slot.weekday].append(slot)
    from app.dispatch.proposals import list_proposals

    proposals = [p for p in list_proposals(user=user, team_id=team_id) if p.status in ("pending", "accepted")]
    return render_template("volunteers/team.html", team=row, members=members, grid=grid, proposals=proposals)


@bp.get("/volunteers")
@roles("team_lead", *STAFF)
def volunteers():
    """Volunteers in the user's scope, filtered by team."""
    user = me()
    team_id = request.args.get("team_id", type=int)
    rows = volunteer_service.list_volunteers(user=user, team_id=team_id, limit=500)
    return render_template(
        "volunteers/list.html", volunteers=rows, teams=volunteer_service.list_teams(user=user), team_id=team_id
    )


class VolunteerForm(FlaskForm):
    """What staff or the lead may change about a volunteer."""

    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    team_id = SelectField(_l("Team"), coerce=int)
    max_orders_per_week = IntegerField(_l("Most orders per week"), validators=[NumberRange(min=0, max=21)])
    max_km = FloatField(_l("Farthest distance (km)"), validators=[Optional(), NumberRange(min=1, max=500)])
    active = BooleanField(_l("Active"))


@bp.route("/volunteers/<int:volunteer_id>", methods=["GET", "POST"])
@roles("team_lead", *STAFF)
def volunteer(volunteer_id: int):
    """One volunteer: limits, team, active; links to their availability."""
    user = me()
    row = volunteer_service.get_volunteer(user=user, volunteer_id=volunteer_id)
    form = VolunteerForm(obj=row)
    teams = volunteer_service.list_teams(user=user)
    form.team_id.choices = choices([(0, _("No team"))] + [(t.id, t.name) for t in teams])
    if request.method == "GET":
        form.team_id.data = row.team_id or 0
    if form.validate_on_submit():
        try:
            volunteer_service.update_volunteer(
                user=user,
                volunteer_id=row.id,
                phone=(form.phone.data or "").strip() or None,
                team_id=form.team_id.data or None,
                max_orders_per_week=form.max_orders_per_week.data,
                max_km=form.max_km.data,
                active=form.active.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("volunteers_views.volunteer", volunteer_id=row.id))
    return render_template(
        "volunteers/volunteer.html", volunteer=row, form=form, served=_served(row), error_text=domain_message
    )
