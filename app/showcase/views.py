"""Showcase pages: each station's public 活动风采 page, the county display (大屏), photos, adding a photo."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.core.timeutil import utcnow
from app.extensions import db
from app.orders.models import Order
from app.showcase import photos, service
from app.showcase.models import RatingPhoto
from app.web.pages import act_and_return, allows, me
from app.web.service_messages import N_

bp = Blueprint("showcase_views", __name__, template_folder="templates")


@bp.app_template_global()
def rating_photos(order: Order) -> list[RatingPhoto]:
    """The photos of an order's rating, oldest first (for the order page)."""
    if order.rating is None:
        return []
    return list(
        db.session.scalars(
            db.select(RatingPhoto).where(RatingPhoto.rating_id == order.rating.id).order_by(RatingPhoto.id)
        )
    )


# Refusals the photo service raises, listed so pybabel extracts them.
MESSAGES = (
    N_("send a JPEG, PNG or WebP photo"),
    N_("this photo is too large"),
    N_("choose a photo"),
    N_("rate the service before adding photos"),
    N_("this rating has all the photos it may have"),
    N_("only the resident or station staff may add photos"),
)


@bp.get("/showcase/<station_code>")
def station(station_code: str):
    """A station's activities and ratings, for anyone (no names but masked ones, no phones)."""
    shown = service.station_showcase(station_code=station_code)
    return render_template("showcase/station.html", showcase=shown)


@bp.get("/showcase/photos/<int:photo_id>.jpg")
def photo(photo_id: int):
    """A rating photo (a JPEG we re-encoded ourselves: no EXIF, no GPS)."""
    path = photos.photo_path(photo_id)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg")


@bp.get("/display/<county_code>")
def display(county_code: str):
    """The county display (大屏): live figures, refreshed by the page itself."""
    figures = service.county_figures(county_code=county_code)
    return render_template(
        "showcase/display.html",
        figures=figures,
        county_code=county_code,
        refresh_seconds=current_app.config["DISPLAY_REFRESH_SECONDS"],
        now=utcnow(),
    )


@bp.get("/display/<county_code>/figures.json")
def display_figures(county_code: str):
    """The display's figures as JSON, for its own refresh."""
    figures = service.county_figures(county_code=county_code)
    return {**figures, "as_of": figures["as_of"].isoformat()}


@bp.post("/orders/<int:order_id>/photos")
@allows("order.photos.add")
def add_photo(order_id: int):
    """Add a photo to the order's rating from the order page."""
    upload = request.files.get("photo")
    data = upload.read() if upload is not None else b""
    return act_and_return(
        lambda: photos.add_photo(user=me(), order_id=order_id, data=data),
        _("Photo added"),
        url_for("orders_views.detail", order_id=order_id),
    )
