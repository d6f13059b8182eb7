"""REST API for stations."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.stations import service
from app.stations.schemas import StationCodeSchema, StationCreateSchema, StationQuerySchema, StationSchema

blp = Blueprint("stations", __name__, url_prefix="/stations", description="Stations: county, township, village")


@blp.route("")
class Stations(MethodView):
    @blp.arguments(StationQuerySchema, location="query")
    @blp.response(200, StationSchema(many=True))
    def get(self, query: dict):
        """List stations in your scope."""
        return service.list_stations(user=api_user(), **query)

    @blp.arguments(StationCreateSchema)
    @blp.response(201, StationSchema)
    def post(self, data: dict):
        """Add a station (county staff, admin)."""
        station = service.create_station(user=api_user(), **data)
        return station


@blp.route("/<int:station_id>")
class StationById(MethodView):
    @blp.response(200, StationSchema)
    def get(self, station_id: int):
        """One station."""
        return service.get_station(user=api_user(), station_id=station_id)


@blp.route("/<int:station_id>/check-in-code")
class StationCheckInCode(MethodView):
    @blp.response(200, StationCodeSchema)
    def get(self, station_id: int):
        """The station's current check-in code and when it changes (staff over the station), to show on a screen."""
        _station, code = service.show_station_code(user=api_user(), station_id=station_id)
        return code
