"""Volunteer pages: my service (roster, check-in, hours and points), the weekly availability editor,
the team page for leads, and team and volunteer management for staff."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.accounts.access import allowed
from app.accounts.models import User
from app.audit.service import list_entries
from app.core.errors import DomainError
from app.extensions import db
from app.orders import service as order_service
from app.volunteers import service as volunteer_service
from app.web.errors import domain_message
from app.web.imports import preview_page, upload_page
from app.web.pages import allows, choices, me, page_arg, refusal_shown_on, state_arg
from app.web.service_messages import N_

bp = Blueprint("volunteers_views", __name__)

SLOTS_PER_DAY = 3
MAX_CUSTOM_PER_DAY = 12
HALF_DAY_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon"), "ev": _l("Evening")}
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
@allows("volunteers.me")
def my_service():
    """My service: upcoming crew orders with check-in and check-out, hours and points, links to roster."""
    user = me()
    volunteer = volunteer_service.volunteer_of(user)
    if volunteer is None and allowed(user, "teams.mine"):
        return redirect(url_for("dispatch_views.inbox"))
    if volunteer is None:
        abort(404)
    upcoming = [o for o in order_service.list_orders(user=user, limit=200) if o.status in ("accepted", "in_service")]
    from app.dispatch.crew import accepted_proposal

    plans = [(o, accepted_proposal(o)) for o in upcoming]
    plans.sort(key=lambda pair: pair[1].start_at if pair[1] else pair[0].created_at)
    records = {r.order_id: r for r in _records(volunteer)}
    from app.dispatch.crew import check_in_window

    windows = {o.id: check_in_window(p) for o, p in plans if p is not None}
    return render_template(
        "volunteers/me.html",
        volunteer=volunteer,
        plans=plans,
        records=records,
        served=_served(volunteer),
        windows=windows,
    )


class AvailabilityForm(FlaskForm):
    """CSRF and a day off to add; the week is read from the request (half-<day> toggles, slot-<day>-<n>-start/end)."""

    day_off = DateField(
        _l("Add a day I cannot serve"),
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"type": "date"},
    )
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
    """Weekly slots from the ticked half-days and any custom times, and which custom times were wrong."""
    weekly, problems = [], []
    by_code = {h.code: h for h in volunteer_service.HALF_DAYS}
    for weekday in range(7):
        for code in values.getlist(f"half-{weekday}"):
            if code in by_code:
                half = by_code[code]
                weekly.append({"weekday": weekday, "start_minute": half.start_minute, "end_minute": half.end_minute})
        # A day stored with more periods than the editor's empty rows shows them all; read them all back.
        for n in range(MAX_CUSTOM_PER_DAY):
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


def _hhmm(minute: int) -> str:
    return "24:00" if minute == 1440 else f"{minute // 60:02d}:{minute % 60:02d}"


def _week_rows(slots, values) -> list[dict]:  # noqa: ANN001
    """Per weekday: the ticked half-days and the custom times, from the stored slots or the refused form."""
    rows = []
    for day in range(7):
        if values is not None:
            ticked = set(values.getlist(f"half-{day}"))
            custom = [
                (values.get(f"slot-{day}-{n}-start", ""), values.get(f"slot-{day}-{n}-end", ""))
                for n in range(MAX_CUSTOM_PER_DAY)
            ]
            while custom and not any(custom[-1]):
                custom.pop()
        else:
            periods = [(s.start_minute, s.end_minute) for s in slots if s.weekday == day]
            matched = volunteer_service.half_days_matching(periods)
            # A day the toggles can't say exactly is shown in custom times, so saving keeps its meaning.
            ticked = set(matched) if matched is not None else set()
            custom = [] if matched is not None else [(_hhmm(s), _hhmm(e)) for s, e in periods]
        shown = [c for c in custom if c[0] or c[1]]
        rows.append(
            {
                "day": day,
                "ticked": ticked,
                "custom": custom + [("", "")] * max(0, SLOTS_PER_DAY - len(custom)),
                "custom_summary": ", ".join(f"{a}–{b}" for a, b in shown),
            }
        )
    return rows


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
            with refusal_shown_on(form):
                volunteer_service.set_availability(
                    user=user, volunteer_id=volunteer_id, weekly=weekly, exceptions=exceptions
                )
                flash(_("Your available times are saved."), "success")
                return redirect(back)
    values = request.form if request.method == "POST" else None
    if form.day_off.errors:
        # WTForms' own "Not a valid date value." is English; say it in the reader's language.
        form.day_off.errors = [_("Please give the day as a date, such as 2026-12-24.")]
    return render_template(
        "volunteers/availability.html",
        volunteer=volunteer,
        rows=_week_rows(current["weekly"], values),
        half_days=[
            (h, HALF_DAY_LABELS[h.code], f"{_hhmm(h.start_minute)}–{_hhmm(h.end_minute)}")
            for h in volunteer_service.HALF_DAYS
        ],
        form=form,
        exceptions=current["exceptions"],
        values=values,
        problems=set(problems),
    ), 422 if request.method == "POST" and (form.errors or problems) else 200


@bp.route("/me/availability", methods=["GET", "POST"])
@allows("volunteers.me")
def my_availability():
    """The weekly availability editor for oneself."""
    volunteer = _my_volunteer()
    return _availability_page(volunteer.id, url_for("volunteers_views.my_availability"))


@bp.route("/volunteers/<int:volunteer_id>/availability", methods=["GET", "POST"])
@allows("teams.see")
def availability(volunteer_id: int):
    """The weekly availability editor for a team member (lead or staff)."""
    return _availability_page(volunteer_id, url_for("volunteers_views.volunteer", volunteer_id=volunteer_id))


@bp.get("/team")
@allows("teams.mine")
def my_team():
    """A lead's own team (the first one if they lead several)."""
    ids = sorted(volunteer_service.lead_team_ids(me()))
    if not ids:
        abort(404)
    return team(ids[0])


@bp.get("/teams")
@allows("teams.see")
def teams():
    """Teams in the user's scope (staff also see deactivated ones, to bring them back)."""
    user = me()
    rows = volunteer_service.list_teams(user=user, include_inactive=allowed(user, "volunteers.list.station"))
    return render_template("volunteers/teams.html", teams=rows, can_add=allowed(user, "teams.create"))


@bp.get("/teams/<int:team_id>")
@allows("teams.see")
def team(team_id: int):
    """A team: members, their skills, availability at a glance, and its roster."""
    user = me()
    row = volunteer_service.get_team(user=user, team_id=team_id)
    members = volunteer_service.list_volunteers(user=user, team_id=team_id)
    grid: dict[int, dict[int, list]] = {m.id: {d: [] for d in range(7)} for m in members}
    for m in members:
        for slot in m.availability:
            grid[m.id][slot.weekday].append(slot)
    from app.dispatch.proposals import list_proposals

    proposals = [p for p in list_proposals(user=user, team_id=team_id) if p.status in ("pending", "accepted")]
    return render_template("volunteers/team.html", team=row, members=members, grid=grid, proposals=proposals)


@bp.get("/volunteers")
@allows("teams.see")
def volunteers():
    """The volunteer register: search by name or code, filter by team, station, skill and state, page through."""
    from app.menu.service import list_skills
    from app.stations.service import list_stations

    user = me()
    args = request.args
    team_arg = args.get("team_id", "")
    station_arg = args.get("station_id", "")
    state, active = state_arg()
    filters = {
        "q": (args.get("q") or "").strip()[:80] or None,
        "team_id": int(team_arg) if team_arg.isdigit() and 0 < int(team_arg) < 2**31 else None,
        "no_team": team_arg == "none",
        "station_id": int(station_arg) if station_arg.isdigit() and 0 < int(station_arg) < 2**31 else None,
        "skill": (args.get("skill") or "")[:40] or None,
        "active": active,
    }
    result = volunteer_service.search_volunteers(user=user, page=page_arg(), per_page=50, **filters)
    return render_template(
        "volunteers/list.html",
        result=result,
        teams=volunteer_service.list_teams(user=user),
        stations=list_stations(user=user) if allowed(user, "volunteers.list.station") else [],
        skills=list_skills(),
        filters=filters,
        team_arg=team_arg,
        state=state,
        can_import=allowed(user, "volunteers.create"),
    )


class VolunteerForm(FlaskForm):
    """What staff or the lead may change about a volunteer."""

    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    team_id = SelectField(_l("Team"), coerce=int)
    max_orders_per_week = IntegerField(_l("Most orders per week"), validators=[NumberRange(min=0, max=21)])
    max_km = FloatField(_l("Farthest distance (km)"), validators=[Optional(), NumberRange(min=1, max=500)])
    active = BooleanField(_l("Active"))


@bp.route("/volunteers/<int:volunteer_id>", methods=["GET", "POST"])
@allows("teams.see")
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
        with refusal_shown_on(form):
            volunteer_service.update_volunteer(
                user=user,
                volunteer_id=row.id,
                phone=(form.phone.data or "").strip() or None,
                team_id=form.team_id.data or None,
                max_orders_per_week=form.max_orders_per_week.data,
                max_km=form.max_km.data,
                active=form.active.data,
            )
            flash(_("Saved."), "success")
            return redirect(url_for("volunteers_views.volunteer", volunteer_id=row.id))
    return render_template(
        "volunteers/volunteer.html", volunteer=row, form=form, served=_served(row), error_text=domain_message
    )


# ---------------------------------------------------------------------------------------------------------------
# Staff administration of teams and the volunteer register


class TeamForm(FlaskForm):
    """A team's code, name, base station, specialty and lead."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Please enter a code.")), Length(max=40)])
    name = StringField(_l("Team name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    station_id = SelectField(_l("Base station"), coerce=int)
    specialty = SelectField(_l("Specialty"))
    lead_user_id = SelectField(_l("Team lead"), coerce=int)


class TeamEditForm(FlaskForm):
    """What staff may change about a team."""

    name = StringField(_l("Team name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    specialty = SelectField(_l("Specialty"))
    lead_user_id = SelectField(_l("Team lead"), coerce=int)
    active = BooleanField(_l("Active (receives proposals)"))


class TeamMembersForm(FlaskForm):
    """Volunteer codes to add; members to take off are ticked boxes named `remove`."""

    add_codes = TextAreaField(_l("Add volunteers by code"), validators=[Optional(), Length(max=20000)])


def _team_choices(form: FlaskForm, user: User) -> None:
    """Fill a team form's specialty and lead lists for the user's area."""
    from app.accounts.access import scope_station_ids
    from app.menu.service import list_specialties
    from app.web.helpers import localized

    form.specialty.choices = choices([("", _("None"))] + [(s.code, localized(s)) for s in list_specialties()])
    query = db.select(User).where(User.active.is_(True), User.role.in_(("volunteer", "team_lead")))
    ids = scope_station_ids(user)
    if ids is not None:
        query = query.where(User.scope_station_id.in_(ids))
    leads = db.session.scalars(query.order_by(User.display_name))
    form.lead_user_id.choices = choices(
        [(0, _("No lead yet"))] + [(u.id, f"{u.display_name} ({u.username})") for u in leads]
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@allows("teams.create")
def new_team():
    """Add a team at a station in one's area, with a lead."""
    from app.stations.service import list_stations

    user = me()
    form = TeamForm()
    form.station_id.choices = choices([(s.id, s.name) for s in list_stations(user=user)])
    _team_choices(form, user)
    if form.validate_on_submit():
        with refusal_shown_on(form):
            row = volunteer_service.add_team(
                user=user,
                code=form.code.data.strip(),
                name=form.name.data.strip(),
                station_id=form.station_id.data,
                specialty=form.specialty.data or None,
                lead_user_id=form.lead_user_id.data or None,
            )
            flash(_("Team %(name)s created.", name=row.name), "success")
            return redirect(url_for("volunteers_views.edit_team", team_id=row.id))
    return render_template("volunteers/team_new.html", form=form)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@allows("teams.edit")
def edit_team(team_id: int):
    """Change a team's name, specialty, lead or activity, and its members."""
    user = me()
    row = volunteer_service.get_team(user=user, team_id=team_id)
    form = TeamEditForm(obj=row)
    _team_choices(form, user)
    if request.method == "GET":
        form.specialty.data = row.specialty.code if row.specialty else ""
        form.lead_user_id.data = row.lead_user_id or 0
    if form.validate_on_submit():
        with refusal_shown_on(form):
            volunteer_service.change_team(
                user=user,
                team_id=row.id,
                name=form.name.data.strip(),
                specialty=form.specialty.data or None,
                lead_user_id=form.lead_user_id.data or None,
                active=form.active.data,
            )
            flash(_("Saved."), "success")
            return redirect(url_for("volunteers_views.edit_team", team_id=row.id))
    lead = db.session.get(User, row.lead_user_id) if row.lead_user_id else None
    return render_template(
        "volunteers/team_edit.html",
        team=row,
        form=form,
        members_form=TeamMembersForm(prefix="m"),
        lead=lead,
        history=list_entries(user=user, target_type="team", target_id=row.id, limit=20),
    )


@bp.post("/teams/<int:team_id>/members")
@allows("teams.edit")
def team_members(team_id: int):
    """Add volunteers by code and take ticked members off the team."""
    user = me()
    row = volunteer_service.get_team(user=user, team_id=team_id)
    form = TeamMembersForm(prefix="m")
    if form.validate_on_submit():
        codes = [c for c in re.split(r"[\s,，、;；]+", form.add_codes.data or "") if c]
        remove = [int(v) for v in request.form.getlist("remove") if v.isdigit() and int(v) < 2**31]
        try:
            volunteer_service.set_team_members(user=user, team_id=row.id, add=codes, remove=remove)
        except DomainError as error:
            index = (error.field or "").partition(".")[2]
            bad = codes[int(index)] if index.isdigit() and int(index) < len(codes) else ""
            flash(f"{domain_message(error.message)} {bad}".strip(), "error")
        else:
            flash(_("Members updated."), "success")
    return redirect(url_for("volunteers_views.edit_team", team_id=row.id))


# (Chinese heading, English heading, what it holds): both headings are accepted.
IMPORT_COLUMNS = (
    ("编号", "code", _l("Volunteer code, unique (required)")),
    ("姓名", "name", _l("Name (required)")),
    ("电话", "phone", _l("Phone number")),
    ("站点", "station", _l("Home station: its code or full name (required)")),
    ("队伍", "team", _l("Team: its code or full name")),
    ("技能", "skills", _l("Skill codes or names, separated by commas or 、")),
    ("每周最多", "max_orders_per_week", _l("Most orders per week (3 if empty)")),
    ("最远公里", "max_km", _l("Farthest distance in km")),
)


@bp.route("/volunteers/import", methods=["GET", "POST"])
@allows("volunteers.create")
def import_volunteers():
    """Upload a register of volunteers; every row is checked and shown before anything is imported."""
    from app.volunteers import imports

    return upload_page(
        imports.preview_import,
        template="volunteers/import.html",
        preview_endpoint="volunteers_views.import_preview",
        columns=IMPORT_COLUMNS,
    )


@bp.route("/volunteers/import/<int:import_id>", methods=["GET", "POST"])
@allows("volunteers.create")
def import_preview(import_id: int):
    """The checked rows of an upload with their errors; confirming imports them once."""
    from app.volunteers import imports

    return preview_page(
        import_id,
        get=imports.get_import,
        commit=imports.commit_import,
        done=N_("%(n)s volunteers imported; %(m)s rows left out."),
        template="volunteers/import_preview.html",
        upload_endpoint="volunteers_views.import_volunteers",
        mask=mask_phone,
        paged=True,
    )


def mask_phone(phone: str | None) -> str:
    """A phone number with its middle hidden (138****0000), as lists show it by default."""
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"
