"""REST API for stations."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.stations import service
from app.stations.schemas import StationCreateSchema, StationQuerySchema, StationSchema

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
