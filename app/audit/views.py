"""The audit log page for county staff, with a CSV download of what it shows."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from app.audit import exports, service
from app.audit.models import OUTCOMES
from app.web.pages import allows, me

bp = Blueprint("audit_views", __name__, template_folder="templates")

PAGE_SIZE = 100


def _filters() -> dict:
    outcome = request.args.get("outcome") or None
    page = max(request.args.get("page", 1, type=int), 1)
    return {
        "action": (request.args.get("action") or "").strip()[:64] or None,
        "outcome": outcome if outcome in OUTCOMES else None,
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
    }


@bp.get("/audit")
@allows("audit.see")
def audit_log():
    """Who did what, when and from where, newest first."""
    filters = _filters()
    entries = service.list_entries(user=me(), **filters)
    page = filters["offset"] // PAGE_SIZE + 1
    return render_template("audit/log.html", entries=entries, filters=filters, page=page, page_size=PAGE_SIZE)


@bp.get("/audit/export.csv")
@allows("audit.see")
def audit_export():
    """The filtered entries as CSV (up to 10,000 rows)."""
    filters = {**_filters(), "limit": 10_000, "offset": 0}
    response = Response(exports.csv_bytes(service.list_entries(user=me(), **filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
