"""Shared pages: the home page that routes each role to its main page, and the offline API docs assets."""

from __future__ import annotations

from flask import Blueprint, redirect, send_from_directory, url_for
from flask_login import current_user, login_required
from swagger_ui_bundle import swagger_ui_path

from app.web import helpers

bp = Blueprint("web", __name__)
bp.record_once(lambda state: helpers.install(state.app))

# Where each role starts.
HOME_BY_ROLE = {
    "resident": "menu_views.kiosk",
    "station_staff": "menu_views.kiosk",
    "volunteer": "volunteers_views.me",
    "team_lead": "dispatch_views.inbox",
    "county_staff": "coverage_views.dashboard",
    "admin": "coverage_views.dashboard",
}


@bp.get("/")
@login_required
def home():
    """Send each role to its main page."""
    target = helpers.url_if(HOME_BY_ROLE.get(current_user.role, "orders_views.list_orders"))
    return redirect(target or url_for("orders_views.list_orders"))


@bp.get("/vendor/swagger-ui/<path:filename>")
def swagger_asset(filename: str):
    """Swagger UI's files from the installed swagger-ui-bundle package (the docs page at /api/v1/docs)."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
