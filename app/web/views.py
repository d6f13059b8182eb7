"""Shared pages: the home page that routes each role to its main page, and the offline API docs assets."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from swagger_ui_bundle import swagger_ui_path

from app.web import helpers, words

bp = Blueprint("web", __name__)
bp.record_once(lambda state: helpers.install(state.app))
bp.record_once(lambda state: words.install(state.app))

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
def home():
    """The public menu of the chosen station for visitors; each signed-in role goes to its main page."""
    if not current_user.is_authenticated:
        return public_menu()
    target = helpers.url_if(HOME_BY_ROLE.get(current_user.role, "orders_views.list_orders"))
    return redirect(target or url_for("orders_views.list_orders"))


def public_menu():
    """The menu of a station or the county, open to anyone; ordering asks for a phone sign-in."""
    from app.menu import service as menu_service
    from app.web.public import active_stations, chosen_station

    station = chosen_station(request.args.get("station"))
    items = menu_service.list_menu(station_id=station.id) if station is not None else []
    groups = [(p, [i for i in items if i.priority_id == p.id]) for p in menu_service.list_priorities()]
    return render_template("web/home.html", groups=groups, station=station, stations=active_stations())


@bp.get("/vendor/swagger-ui/<path:filename>")
def swagger_asset(filename: str):
    """Swagger UI's files from the installed swagger-ui-bundle package (the docs page at /api/v1/docs)."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
