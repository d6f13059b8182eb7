"""Roster pages: the week's roster on the web, a printable A4 page, downloads and the calendar feed link."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.access import may_see_team_roster
from app.core.timeutil import iso_week_label, parse_iso_week, to_local, utcnow, week_start
from app.rosters import service
from app.rosters.api import export_response
from app.rosters.schemas import WEEK_PATTERN
from app.volunteers.service import lead_team_ids, list_teams, volunteer_of

bp = Blueprint("rosters_views", __name__, url_prefix="/rosters", template_folder="templates")

KIND = "<any(team, volunteer):kind>"


def _week() -> date:
    label = request.args.get("week")
    if not label:
        return week_start(utcnow())
    if not WEEK_PATTERN.match(label):
        abort(400, description="week must look like 2026-W49")
    try:
        return parse_iso_week(label)
    except ValueError:
        abort(400, description="no such ISO week")


def _version() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        abort(400, description="version must be a positive number")
    return int(raw)


def _days(week: date, entries: list[dict]) -> list[tuple[date, list[dict]]]:
    """Each day of the week with its jobs, local times added for display."""
    by_day: dict[date, list[dict]] = {week + timedelta(days=i): [] for i in range(7)}
    for entry in entries:
        start = to_local(datetime.fromisoformat(entry["start_at"]))
        end = to_local(datetime.fromisoformat(entry["end_at"]))
        by_day.setdefault(start.date(), []).append({**entry, "start_local": start, "end_local": end})
    return sorted(by_day.items())


def _page_context(kind: str, owner_id: int) -> dict:
    owner = service.owner_for(user=current_user, kind=kind, owner_id=owner_id)
    week = _week()
    view = service.roster_view(owner=owner, week=week, version=_version())
    token = service.existing_feed_token(user=current_user)
    feed_url = None
    if token:
        endpoint = "rosters.team_feed" if kind == "team" else "rosters.volunteer_feed"
        owner_arg: dict[str, Any] = {f"{kind}_id": owner_id}
        feed_url = url_for(endpoint, **owner_arg, token=token, _external=True)
    return {
        "view": view,
        "owner": owner,
        "week_label": iso_week_label(week),
        "week_dates": _week_dates(week),
        "prev_dates": _week_dates(week - timedelta(days=7)),
        "next_dates": _week_dates(week + timedelta(days=7)),
        "prev_week": iso_week_label(week - timedelta(days=7)),
        "next_week": iso_week_label(week + timedelta(days=7)),
        "days": _days(week, view.entries),
        "feed_url": feed_url,
        "with_task": kind == "volunteer",
        "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "printed_at": utcnow(),
    }


def _week_dates(monday) -> str:  # noqa: ANN001
    """A week as people read it: its Monday and Sunday dates, such as 12-07 – 12-13."""
    return f"{monday:%m-%d} – {monday + timedelta(days=6):%m-%d}"


@bp.get("/")
@login_required
def mine():
    """Your own roster: a volunteer's, a lead's team, or a chooser for staff."""
    volunteer = volunteer_of(current_user)
    if volunteer is not None:
        return redirect(url_for(".roster", kind="volunteer", owner_id=volunteer.id))
    led = sorted(lead_team_ids(current_user))
    if len(led) == 1:
        return redirect(url_for(".roster", kind="team", owner_id=led[0]))
    teams = [t for t in list_teams(user=current_user) if may_see_team_roster(current_user, t)]
    if not teams:
        abort(404)
    return render_template("rosters/choose.html", teams=teams)


@bp.get(f"/{KIND}/<int:owner_id>")
@login_required
def roster(kind: str, owner_id: int):
    """A week's roster, with what the latest publication changed."""
    return render_template("rosters/roster.html", **_page_context(kind, owner_id))


@bp.get(f"/{KIND}/<int:owner_id>/print")
@login_required
def printable(kind: str, owner_id: int):
    """The week's roster laid out for an A4 sheet."""
    return render_template("rosters/print.html", **_page_context(kind, owner_id))


@bp.get(f"/{KIND}/<int:owner_id>/roster.<any(csv, xlsx):fmt>")
@login_required
def download(kind: str, owner_id: int, fmt: str):
    """The week's roster as CSV or XLSX."""
    owner = service.owner_for(user=current_user, kind=kind, owner_id=owner_id)
    return export_response(owner, _week(), fmt)


@bp.post("/feed-token")
@login_required
def new_feed_token():
    """Make (or replace) your calendar feed link; older links stop working."""
    service.feed_token(user=current_user, rotate=True)
    target = request.form.get("next", "")
    # Only go back to a roster page: an open redirect would let a link send people anywhere.
    if not target.startswith("/rosters/"):
        target = url_for(".mine")
    return redirect(target)
