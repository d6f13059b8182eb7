"""REST API for the showcase: public station pages and county figures; residents add photos to their ratings."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.showcase import photos, service
from app.showcase.schemas import CountyFiguresSchema, PhotoUploadSchema, RatingPhotoSchema, ShowcaseSchema

blp = Blueprint(
    "showcase",
    __name__,
    url_prefix="/showcase",
    description="Showcase (活动风采): public station pages and county figures (no personal data); rating photos",
)

PHOTO_FORM_OVERHEAD = 64 * 1024
PHOTO_ENDPOINTS = ("showcase.RatingPhotos", "showcase_views.add_photo")


def allow_photo_uploads() -> None:
    """before_request, first of all (before the CSRF and input checks read the form): a photo upload is the one
    request allowed above the body limit, since a phone photo is often larger than 1 MB."""
    if request.endpoint in PHOTO_ENDPOINTS:
        request.max_content_length = current_app.config["PHOTO_MAX_BYTES"] + PHOTO_FORM_OVERHEAD


@blp.record_once
def _first_before_request(state) -> None:  # noqa: ANN001
    state.app.before_request_funcs.setdefault(None, []).insert(0, allow_photo_uploads)


@blp.route("/stations/<string(maxlength=40):station_code>")
class StationShowcase(MethodView):
    @blp.doc(security=[])
    @blp.response(200, ShowcaseSchema)
    @blp.doc(security=[])  # public: the spec must not promise a 401 without a token
    def get(self, station_code: str):
        """A station's recent activities and ratings (public, no sign-in; nothing personal)."""
        return service.station_showcase(station_code=station_code)


@blp.route("/counties/<string(maxlength=40):county_code>/figures")
class CountyFigures(MethodView):
    @blp.doc(security=[])
    @blp.response(200, CountyFiguresSchema)
    @blp.doc(security=[])  # public: the spec must not promise a 401 without a token
    def get(self, county_code: str):
        """The county display's live figures (public, no sign-in; counts only)."""
        return service.county_figures(county_code=county_code)


@blp.route("/orders/<int:order_id>/photos")
class RatingPhotos(MethodView):
    @blp.arguments(PhotoUploadSchema, location="files")
    @blp.response(201, RatingPhotoSchema)
    def post(self, files: dict, order_id: int):
        """Add a photo to the order's rating (the resident, or staff for them); re-encoded without EXIF."""
        upload = files["photo"]
        return photos.add_photo(user=api_user(), order_id=order_id, data=upload.read())
