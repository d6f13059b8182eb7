"""REST API for coverage: figures, gaps, trends, contributions, map layers, snapshots and exports (staff only)."""

from __future__ import annotations

from datetime import date

from flask import Response
from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.coverage import exports, service
from app.coverage.schemas import (
    ContributionReportSchema,
    ContributionsExportQuerySchema,
    ContributionsQuerySchema,
    CoverageQuerySchema,
    CoverageReportSchema,
    FeatureCollectionSchema,
    GapReportSchema,
    GapsQuerySchema,
    HexagonQuerySchema,
    MapQuerySchema,
    SnapshotQuerySchema,
    SnapshotSchema,
    TrendsQuerySchema,
    WeekTrendSchema,
)

blp = Blueprint(
    "coverage",
    __name__,
    url_prefix="/coverage",
    description="Coverage: stations x practice priorities, response times, gaps, trends, contributions, exports",
)


# Exports return a Response, so these raw OpenAPI schemas only document the body.
CSV_BODY = {"type": "string"}
XLSX_BODY = {"type": "string", "format": "binary"}


def _download(body: bytes, *, mimetype: str, name: str, start: date | None = None, end: date | None = None) -> Response:
    suffix = f"_{start.isoformat()}_{end.isoformat()}" if start and end else ""
    extension = "csv" if mimetype == exports.CSV_MIMETYPE else "xlsx"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}{suffix}.{extension}"'
    return response


@blp.route("")
class Coverage(MethodView):
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, CoverageReportSchema)
    def get(self, query: dict):
        """Orders, fulfilment, median accept/serve minutes and ratings per station and practice priority."""
        return service.coverage(user=api_user(), **query)


@blp.route("/gaps")
class Gaps(MethodView):
    @blp.arguments(GapsQuerySchema, location="query")
    @blp.response(200, GapReportSchema)
    def get(self, query: dict):
        """Stations x priorities with no served order in the last N days (default COVERAGE_GAP_DAYS)."""
        return service.gaps(user=api_user(), **query)


@blp.route("/trends")
class Trends(MethodView):
    @blp.arguments(TrendsQuerySchema, location="query")
    @blp.response(200, WeekTrendSchema(many=True))
    def get(self, query: dict):
        """Weekly orders, served, fulfilment and median accept minutes, oldest week first."""
        return service.trends(user=api_user(), **query)


@blp.route("/contributions")
class Contributions(MethodView):
    @blp.arguments(ContributionsQuerySchema, location="query")
    @blp.response(200, ContributionReportSchema)
    def get(self, query: dict):
        """Who did the work: orders served, hours, points, stars and praise words per volunteer and team."""
        return service.contributions(user=api_user(), **query)


@blp.route("/map.geojson")
class StationMap(MethodView):
    @blp.arguments(MapQuerySchema, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, query: dict):
        """GeoJSON points of the stations with fulfilment and a colour class (none, low, medium, high)."""
        return service.map_features(user=api_user(), **query)


@blp.route("/areas.geojson")
class AreaMap(MethodView):
    @blp.arguments(MapQuerySchema, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, query: dict):
        """County outlines (installed dataset) and township areas (derived from the institutes) with fulfilment."""
        return service.map_areas(user=api_user(), **query)


@blp.route("/hexagons.geojson")
class HexagonMap(MethodView):
    @blp.arguments(HexagonQuerySchema, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, query: dict):
        """GeoJSON H3 hexagons pooling the stations inside each cell."""
        return service.hexagons(user=api_user(), **query)


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.arguments(SnapshotQuerySchema, location="query")
    @blp.response(200, SnapshotSchema(many=True))
    def get(self, query: dict):
        """Stored nightly snapshots between two days."""
        return service.snapshot_history(user=api_user(), **query)


@blp.route("/coverage.csv")
class CoverageCsv(MethodView):
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, CSV_BODY, description="CSV, UTF-8 with BOM", content_type="text/csv")
    def get(self, query: dict):
        """Coverage as CSV."""
        report = service.coverage(user=api_user(), **query)
        body = exports.to_csv(exports.coverage_sheet(report))
        return _download(body, mimetype=exports.CSV_MIMETYPE, name="coverage", start=report.start, end=report.end)


@blp.route("/coverage.xlsx")
class CoverageXlsx(MethodView):
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, XLSX_BODY, description="Excel workbook", content_type=exports.XLSX_MIMETYPE)
    def get(self, query: dict):
        """Coverage as an Excel workbook."""
        report = service.coverage(user=api_user(), **query)
        body = exports.to_xlsx([exports.coverage_sheet(report)])
        return _download(body, mimetype=exports.XLSX_MIMETYPE, name="coverage", start=report.start, end=report.end)


@blp.route("/gaps.csv")
class GapsCsv(MethodView):
    @blp.arguments(GapsQuerySchema, location="query")
    @blp.response(200, CSV_BODY, description="CSV, UTF-8 with BOM", content_type="text/csv")
    def get(self, query: dict):
        """Gaps as CSV."""
        report = service.gaps(user=api_user(), **query)
        body = exports.to_csv(exports.gaps_sheet(report))
        return _download(body, mimetype=exports.CSV_MIMETYPE, name="gaps", start=report.since, end=report.today)


@blp.route("/gaps.xlsx")
class GapsXlsx(MethodView):
    @blp.arguments(GapsQuerySchema, location="query")
    @blp.response(200, XLSX_BODY, description="Excel workbook", content_type=exports.XLSX_MIMETYPE)
    def get(self, query: dict):
        """Gaps as an Excel workbook."""
        report = service.gaps(user=api_user(), **query)
        body = exports.to_xlsx([exports.gaps_sheet(report)])
        return _download(body, mimetype=exports.XLSX_MIMETYPE, name="gaps", start=report.since, end=report.today)


@blp.route("/contributions.csv")
class ContributionsCsv(MethodView):
    @blp.arguments(ContributionsExportQuerySchema, location="query")
    @blp.response(200, CSV_BODY, description="CSV, UTF-8 with BOM", content_type="text/csv")
    def get(self, query: dict):
        """Contributions as CSV: one row per volunteer (by=volunteer) or per team (by=team)."""
        by = query.pop("by")
        report = service.contributions(user=api_user(), **query)
        sheet = exports.volunteers_sheet(report) if by == "volunteer" else exports.teams_sheet(report)
        body = exports.to_csv(sheet)
        name = f"contributions_{by}s"
        return _download(body, mimetype=exports.CSV_MIMETYPE, name=name, start=report.start, end=report.end)


@blp.route("/contributions.xlsx")
class ContributionsXlsx(MethodView):
    @blp.arguments(ContributionsQuerySchema, location="query")
    @blp.response(
        200, XLSX_BODY, description="Excel workbook: volunteers and teams sheets", content_type=exports.XLSX_MIMETYPE
    )
    def get(self, query: dict):
        """Contributions as an Excel workbook with a volunteers sheet and a teams sheet."""
        report = service.contributions(user=api_user(), **query)
        body = exports.to_xlsx([exports.volunteers_sheet(report), exports.teams_sheet(report)])
        name = "contributions"
        return _download(body, mimetype=exports.XLSX_MIMETYPE, name=name, start=report.start, end=report.end)
