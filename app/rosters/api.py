"""REST API for rosters: JSON, iCalendar feeds, CSV and XLSX, feed tokens and publication."""

from __future__ import annotations

from datetime import date

from flask import Response, request, url_for
from flask.views import MethodView
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.access import authorize, scope_station_ids
from app.accounts.auth import api_user
from app.accounts.models import User
from app.core.errors import abort
from app.core.timeutil import iso_week_label, utcnow, week_start
from app.core.transactions import Blueprint
from app.rosters import exports, service
from app.rosters.schemas import (
    RosterFeedQuerySchema,
    RosterFeedTokenSchema,
    RosterPublishReportSchema,
    RosterPublishSchema,
    RosterQuerySchema,
    RosterSchema,
    RosterWeekQuerySchema,
)
from app.volunteers.service import lead_team_ids, volunteer_of

blp = Blueprint("rosters", __name__, url_prefix="/rosters", description="Rosters: web, exports and calendar feeds")

CALENDAR_DOC = {"200": {"description": "iCalendar feed", "content": {"text/calendar": {}}}}
CSV_DOC = {"200": {"description": "CSV", "content": {"text/csv": {}}}}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_DOC = {"200": {"description": "XLSX", "content": {XLSX_MIME: {}}}}


@blp.route("")
class Rosters(MethodView):
    @blp.arguments(RosterQuerySchema, location="query")
    @blp.response(200, RosterSchema)
    def get(self, query: dict):
        """A team's or a volunteer's roster for a week: live, with the latest publication's changes, or a version."""
        user = api_user()
        if "team_id" in query:
            owner = service.team_owner(user=user, team_id=query["team_id"])
        else:
            owner = service.volunteer_owner(user=user, volunteer_id=query["volunteer_id"])
        week = query.get("week") or week_start(utcnow())
        return service.roster_view(owner=owner, week=week, version=query.get("version"))


@blp.route("/publish")
class Publish(MethodView):
    @blp.arguments(RosterPublishSchema)
    @blp.response(200, RosterPublishReportSchema)
    def post(self, data: dict):
        """Publish a new version of every roster that changed in a week (county staff; the scheduler does it weekly)."""
        user = api_user()
        authorize(user, "rosters.publish")
        week = data.get("week") or service.publication_week(utcnow())
        report = service.publish_rosters(week=week, now=utcnow(), station_ids=scope_station_ids(user))
        return report


def _feed_links(user: User, token: str) -> list[dict]:
    links = []
    volunteer = volunteer_of(user)
    if volunteer is not None:
        url = url_for("rosters.volunteer_feed", volunteer_id=volunteer.id, token=token, _external=True)
        links.append({"kind": "volunteer", "owner_id": volunteer.id, "name": volunteer.name, "url": url})
    for team_id in sorted(lead_team_ids(user)):
        owner = service.team_owner(user=user, team_id=team_id)
        url = url_for("rosters.team_feed", team_id=team_id, token=token, _external=True)
        links.append({"kind": "team", "owner_id": team_id, "name": owner.name, "url": url})
    return links


@blp.route("/feed-token")
class FeedToken(MethodView):
    @blp.response(200, RosterFeedTokenSchema)
    def get(self):
        """Your calendar feed token and feed links (made on first use)."""
        user = api_user()
        token = service.feed_token(user=user)
        return {"token": token, "feeds": _feed_links(user, token)}

    @blp.response(201, RosterFeedTokenSchema)
    def post(self):
        """Make a new feed token; every earlier feed link stops working."""
        user = api_user()
        token = service.feed_token(user=user, rotate=True)
        return {"token": token, "feeds": _feed_links(user, token)}

    @blp.response(204)
    def delete(self):
        """Revoke your feed token."""
        service.revoke_feed_token(user=api_user())


def _caller(token: str | None) -> User:
    if token:
        user = service.user_from_feed_token(token)
        if user is None:
            abort(401, message="unknown or revoked feed token")
        return user
    return api_user()


def _feed(kind: str, owner_id: int, query: dict) -> BaseResponse:
    owner = service.owner_for(user=_caller(query.get("token")), kind=kind, owner_id=owner_id)
    body = exports.calendar_bytes(owner=owner, items=service.feed_items(owner=owner, now=utcnow()))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="diandan-{kind}-{owner_id}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


def _export(kind: str, owner_id: int, query: dict, fmt: str) -> Response:
    owner = service.owner_for(user=api_user(), kind=kind, owner_id=owner_id)
    return export_response(owner, query.get("week") or week_start(utcnow()), fmt)


def export_response(owner: service.Owner, week: date, fmt: str) -> Response:
    """A roster download (shared with the pages)."""
    entries = service.live_entries(owner=owner, week=week)
    with_task = owner.kind == "volunteer"
    filename = f"roster-{owner.kind}-{owner.id}-{iso_week_label(week)}.{fmt}"
    if fmt == "csv":
        response = Response(exports.csv_bytes(entries, with_task=with_task), mimetype="text/csv")
    else:
        body = exports.xlsx_bytes(entries, with_task=with_task, title=f"{owner.name} {iso_week_label(week)}")
        response = Response(body, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("/team/<int:team_id>.ics")
@blp.arguments(RosterFeedQuerySchema, location="query")
@blp.doc(responses=CALENDAR_DOC)
def team_feed(query: dict, team_id: int):
    """A team's calendar feed (bearer token, or ?token= for calendar apps)."""
    return _feed("team", team_id, query)


@blp.route("/volunteer/<int:volunteer_id>.ics")
@blp.arguments(RosterFeedQuerySchema, location="query")
@blp.doc(responses=CALENDAR_DOC)
def volunteer_feed(query: dict, volunteer_id: int):
    """A volunteer's calendar feed (bearer token, or ?token= for calendar apps)."""
    return _feed("volunteer", volunteer_id, query)


@blp.route("/team/<int:team_id>.csv")
@blp.arguments(RosterWeekQuerySchema, location="query")
@blp.doc(responses=CSV_DOC)
def team_csv(query: dict, team_id: int):
    """A team's roster for a week as CSV."""
    return _export("team", team_id, query, "csv")


@blp.route("/team/<int:team_id>.xlsx")
@blp.arguments(RosterWeekQuerySchema, location="query")
@blp.doc(responses=XLSX_DOC)
def team_xlsx(query: dict, team_id: int):
    """A team's roster for a week as XLSX."""
    return _export("team", team_id, query, "xlsx")


@blp.route("/volunteer/<int:volunteer_id>.csv")
@blp.arguments(RosterWeekQuerySchema, location="query")
@blp.doc(responses=CSV_DOC)
def volunteer_csv(query: dict, volunteer_id: int):
    """A volunteer's roster for a week as CSV."""
    return _export("volunteer", volunteer_id, query, "csv")


@blp.route("/volunteer/<int:volunteer_id>.xlsx")
@blp.arguments(RosterWeekQuerySchema, location="query")
@blp.doc(responses=XLSX_DOC)
def volunteer_xlsx(query: dict, volunteer_id: int):
    """A volunteer's roster for a week as XLSX."""
    return _export("volunteer", volunteer_id, query, "xlsx")
