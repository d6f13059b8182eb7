"""REST API for deliberation: meetings, demands, lifecycle steps, events, orders made from demands (staff)."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.deliberation import service
from app.deliberation.schemas import (
    AssignSchema,
    DemandCreateSchema,
    DemandEventSchema,
    DemandOrderSchema,
    DemandOutSchema,
    DemandQuerySchema,
    MeetingCreateSchema,
    MeetingQuerySchema,
    MeetingSchema,
    MoveSchema,
    PlacedOrderSchema,
)

blp = Blueprint(
    "deliberation",
    __name__,
    url_prefix="/deliberation",
    description="Deliberation meetings (民主协商议事会) and the demands raised there, tracked until reported back",
)


@blp.route("/meetings")
class Meetings(MethodView):
    @blp.arguments(MeetingQuerySchema, location="query")
    @blp.response(200, MeetingSchema(many=True))
    def get(self, query: dict):
        """Meetings at stations in your scope, newest first."""
        return service.list_meetings(user=api_user(), **query)

    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingSchema)
    def post(self, data: dict):
        """Record a meeting: station, date, attendees, topics, minutes."""
        meeting = service.record_meeting(user=api_user(), **data)
        return meeting


@blp.route("/meetings/<int:meeting_id>")
class MeetingById(MethodView):
    @blp.response(200, MeetingSchema)
    def get(self, meeting_id: int):
        """One meeting with its demands."""
        return service.get_meeting(user=api_user(), meeting_id=meeting_id)


@blp.route("/demands")
class Demands(MethodView):
    @blp.arguments(DemandQuerySchema, location="query")
    @blp.response(200, DemandOutSchema(many=True))
    def get(self, query: dict):
        """Demands at stations in your scope, newest first."""
        return service.list_demands(user=api_user(), **query)

    @blp.arguments(DemandCreateSchema)
    @blp.response(201, DemandOutSchema)
    def post(self, data: dict):
        """Capture a demand raised at a meeting (or directly at a station)."""
        demand = service.raise_demand(user=api_user(), **data)
        return demand


@blp.route("/demands/<int:demand_id>")
class DemandById(MethodView):
    @blp.response(200, DemandOutSchema)
    def get(self, demand_id: int):
        """One demand."""
        return service.get_demand(user=api_user(), demand_id=demand_id)

    @blp.arguments(AssignSchema)
    @blp.response(200, DemandOutSchema)
    def patch(self, data: dict, demand_id: int):
        """Change the owner or due date of an unfinished demand."""
        demand = service.assign(user=api_user(), demand_id=demand_id, **data)
        return demand


@blp.route("/demands/<int:demand_id>/transition")
class DemandTransition(MethodView):
    @blp.arguments(MoveSchema)
    @blp.response(200, DemandOutSchema)
    def post(self, data: dict, demand_id: int):
        """One lifecycle step: accepted (owner, due date), in_progress, done, reported_back or declined (note)."""
        demand = service.move(user=api_user(), demand_id=demand_id, **data)
        return demand


@blp.route("/demands/<int:demand_id>/events")
class DemandEvents(MethodView):
    @blp.response(200, DemandEventSchema(many=True))
    def get(self, demand_id: int):
        """The demand's event log, oldest first."""
        return service.get_demand(user=api_user(), demand_id=demand_id).events


@blp.route("/demands/<int:demand_id>/orders")
class DemandOrders(MethodView):
    @blp.arguments(DemandOrderSchema)
    @blp.response(201, PlacedOrderSchema)
    def post(self, data: dict, demand_id: int):
        """Place an order at the demand's station to meet it (an accepted demand is then in progress)."""
        order = service.place_orders(user=api_user(), demand_id=demand_id, **data)
        return order
