"""Station pages: the rotating check-in code (and its QR code) shown on a screen at the station."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, redirect, render_template, url_for
from markupsafe import Markup

from app.core.timeutil import utcnow
from app.stations import service
from app.web.pages import allows, me

bp = Blueprint("stations_views", __name__)


@bp.get("/stations/<int:station_id>/code")
@allows("stations.code.show")
def check_in_code(station_id: int):
    """The code volunteers type (or scan) as they arrive; the page reloads itself when the code changes."""
    station, code = service.show_station_code(user=me(), station_id=station_id)
    link = url_for("volunteers_views.me", station=station.id, code=code.code, _external=True)
    qr = Markup(segno.make(link, error="m").svg_inline(scale=6, dark="#1f1a17", light="#ffffff", omitsize=True))
    seconds = max(5, int((code.valid_until - utcnow()).total_seconds()) + 1)
    return render_template("stations/code.html", station=station, code=code, qr=qr, seconds=seconds, link=link)


@bp.get("/station/code")
@allows("stations.code.page")
def my_code():
    """Station staff's own station's code screen."""
    user = me()
    if user.scope_station_id is None:
        abort(404)
    return redirect(url_for("stations_views.check_in_code", station_id=user.scope_station_id))
