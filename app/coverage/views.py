"""The staff dashboard: coverage map, figures, gaps, trends, contributions and exports (session-authenticated
routes over the coverage service; the REST API under /api/v1/coverage is for bearer tokens)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from app.core.timeutil import to_local, utcnow
from app.coverage import exports
from app.coverage import service as coverage_service
from app.menu.service import list_priorities
from app.web.pages import allows, me

bp = Blueprint("coverage_views", __name__)

PERIODS = (30, 90, 365)


def _period() -> tuple[date, date, int]:
    """The local days the dashboard covers: the last 30, 90 or 365 days, today included."""
    default = current_app.config.get("COVERAGE_DEFAULT_DAYS", 30)
    days = request.args.get("days", default, type=int)
    days = days if days in PERIODS else default
    end = to_local(utcnow()).date()
    return end - timedelta(days=days - 1), end, days


def _priority() -> str | None:
    code = request.args.get("priority") or None
    return code if code in {p.code for p in list_priorities()} else None


@bp.get("/dashboard")
@allows("coverage.see")
def dashboard():
    """Coverage at a glance: map, figures, gaps, trends, who did the work, exports."""
    user = me()
    start, end, days = _period()
    report = coverage_service.coverage(user=user, start=start, end=end)
    gap_report = coverage_service.gaps(user=user)
    weeks = coverage_service.trends(user=user, weeks=12)
    work = coverage_service.contributions(user=user, start=start, end=end)
    return render_template(
        "coverage/dashboard.html",
        report=report,
        gap_report=gap_report,
        weeks=weeks,
        work=work,
        days=days,
        periods=PERIODS,
        start=start,
        end=end,
        priorities=list_priorities(),
        tile_url=current_app.config.get("MAP_TILE_URL", ""),
        tile_attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
    )


@bp.get("/dashboard/map.geojson")
@allows("coverage.see")
def map_geojson():
    """Stations as GeoJSON points with their fulfilment, for the dashboard map."""
    start, end, _days = _period()
    return jsonify(coverage_service.map_features(user=me(), start=start, end=end, priority=_priority()))


@bp.get("/dashboard/areas.geojson")
@allows("coverage.see")
def areas_geojson():
    """County outlines and township areas with the townships' fulfilment, for the dashboard map."""
    start, end, _days = _period()
    return jsonify(coverage_service.map_areas(user=me(), start=start, end=end, priority=_priority()))


@bp.get("/dashboard/hexagons.geojson")
@allows("coverage.see")
def hexagons_geojson():
    """H3 cells holding stations, with their pooled fulfilment."""
    start, end, _days = _period()
    resolution = min(max(request.args.get("resolution", 7, type=int), 4), 9)
    return jsonify(
        coverage_service.hexagons(user=me(), start=start, end=end, priority=_priority(), resolution=resolution)
    )


@bp.get("/dashboard/export/<kind>.<fmt>")
@allows("coverage.see")
def export(kind: str, fmt: str):
    """CSV or XLSX of coverage, gaps or contributions, for the period on screen."""
    if fmt not in ("csv", "xlsx") or kind not in ("coverage", "gaps", "volunteers", "teams"):
        abort(404)
    user = me()
    start, end, _days = _period()
    if kind == "coverage":
        sheets = [exports.coverage_sheet(coverage_service.coverage(user=user, start=start, end=end))]
    elif kind == "gaps":
        sheets = [exports.gaps_sheet(coverage_service.gaps(user=user))]
    else:
        report = coverage_service.contributions(user=user, start=start, end=end)
        sheets = [exports.volunteers_sheet(report) if kind == "volunteers" else exports.teams_sheet(report)]
    if fmt == "csv":
        body, mimetype = exports.to_csv(sheets[0]), exports.CSV_MIMETYPE
    else:
        body, mimetype = exports.to_xlsx(sheets), exports.XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}_{start}_{end}.{fmt}"'
    return response
