"""REST API for orders: place, list, get, cancel, events, check-in/out, rating."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint, keep_loaded
from app.dispatch import crew, phones
from app.idempotency.service import idempotent_response
from app.orders import service
from app.orders.schemas import (
    CancelSchema,
    CheckInSchema,
    CrewActionSchema,
    EventSchema,
    OrderCreateSchema,
    OrderQuerySchema,
    OrderSchema,
    RatingInSchema,
    RatingSchema,
    ResidentPhoneSchema,
    ServiceRecordSchema,
)

blp = Blueprint("orders", __name__, url_prefix="/orders", description="Orders (点单) and their lifecycle")


@blp.route("")
class Orders(MethodView):
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    def get(self, query: dict):
        """Orders you may see, newest first."""
        return service.list_orders(user=api_user(), **query)

    @blp.arguments(OrderCreateSchema)
    @idempotent_response(blp, 201, OrderSchema)
    def post(self, data: dict):
        """Place an order for yourself (resident) or for a resident (station staff); retry with the same
        Idempotency-Key and it is placed once."""
        order = service.place_order(user=api_user(), **data)
        keep_loaded()  # place_order leaves the order as stored: answered without reading it back
        return order


@blp.route("/<int:order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, order_id: int):
        """One order."""
        return service.get_order(user=api_user(), order_id=order_id)


@blp.route("/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @blp.arguments(CancelSchema)
    @idempotent_response(blp, 200, OrderSchema)
    def post(self, data: dict, order_id: int):
        """Cancel an order that is not yet in service."""
        return service.cancel_order(user=api_user(), order_id=order_id, **data)


@blp.route("/<int:order_id>/resident-phone")
class OrderResidentPhone(MethodView):
    @blp.response(200, ResidentPhoneSchema)
    def get(self, order_id: int):
        """The resident's full phone, for the lead of the accepted crew while the order is live (audited)."""
        user = api_user()
        order = service.get_order(user=user, order_id=order_id)
        full = phones.reveal_phone(user=user, order=order)
        return {"phone": full, "masked": phones.masked_phone(order)}


@blp.route("/<int:order_id>/events")
class OrderEvents(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self, order_id: int):
        """The order's full event log: every transition, who, when, why."""
        return service.get_order(user=api_user(), order_id=order_id).events


@blp.route("/<int:order_id>/check-in")
class OrderCheckIn(MethodView):
    @blp.arguments(CheckInSchema)
    @idempotent_response(blp, 201, ServiceRecordSchema)
    def post(self, data: dict, order_id: int):
        """A crew member checks in (default: yourself), inside the window; by yourself, with the station's code."""
        return crew.check_in(user=api_user(), order_id=order_id, **data)


@blp.route("/<int:order_id>/check-out")
class OrderCheckOut(MethodView):
    @blp.arguments(CrewActionSchema)
    @idempotent_response(blp, 200, ServiceRecordSchema)
    def post(self, data: dict, order_id: int):
        """A crew member checks out (default: yourself)."""
        return crew.check_out(user=api_user(), order_id=order_id, **data)


@blp.route("/<int:order_id>/complete")
class OrderComplete(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    def post(self, data: dict, order_id: int):
        """Close an order in service when not all of the crew came (team lead or station staff)."""
        order = crew.complete_order(user=api_user(), order_id=order_id, **data)
        return order


@blp.route("/<int:order_id>/rating")
class OrderRating(MethodView):
    @blp.response(200, RatingSchema)
    def get(self, order_id: int):
        """The order's rating."""
        order = service.get_order(user=api_user(), order_id=order_id)
        if order.rating is None:
            from app.core.errors import NotFound

            raise NotFound("not rated yet")
        return order.rating

    @blp.arguments(RatingInSchema)
    @idempotent_response(blp, 201, RatingSchema)
    def post(self, data: dict, order_id: int):
        """Rate a served order (评单): stars, the six words as tags, a comment."""
        return service.rate_order(user=api_user(), order_id=order_id, **data)
