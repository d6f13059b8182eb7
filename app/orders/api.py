"""REST API for orders: place, list, get, cancel, events, check-in/out, rating."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.dispatch import crew, phones
from app.idempotency.service import HEADER_DOC, run_once
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
    @blp.response(201, OrderSchema)
    @blp.doc(parameters=[HEADER_DOC])
    def post(self, data: dict):
        """Place an order for yourself (resident) or for a resident (station staff); retry with the same
        Idempotency-Key and it is placed once."""
        user = api_user()
        return run_once(
            user=user,
            status=201,
            schema=OrderSchema(),
            call=lambda: service.place_order(user=user, **data),
            keep_loaded=True,
        )


@blp.route("/<int:order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, order_id: int):
        """One order."""
        return service.get_order(user=api_user(), order_id=order_id)


@blp.route("/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    @blp.doc(parameters=[HEADER_DOC])
    def post(self, data: dict, order_id: int):
        """Cancel an order that is not yet in service."""
        user = api_user()
        return run_once(
            user=user,
            status=200,
            schema=OrderSchema(),
            call=lambda: service.cancel_order(user=user, order_id=order_id, **data),
        )


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
    @blp.response(201, ServiceRecordSchema)
    @blp.doc(parameters=[HEADER_DOC])
    def post(self, data: dict, order_id: int):
        """A crew member checks in (default: yourself), inside the window; by yourself, with the station's code."""
        user = api_user()
        return run_once(
            user=user,
            status=201,
            schema=ServiceRecordSchema(),
            call=lambda: crew.check_in(user=user, order_id=order_id, **data),
        )


@blp.route("/<int:order_id>/check-out")
class OrderCheckOut(MethodView):
    @blp.arguments(CrewActionSchema)
    @blp.response(200, ServiceRecordSchema)
    @blp.doc(parameters=[HEADER_DOC])
    def post(self, data: dict, order_id: int):
        """A crew member checks out (default: yourself)."""
        user = api_user()
        return run_once(
            user=user,
            status=200,
            schema=ServiceRecordSchema(),
            call=lambda: crew.check_out(user=user, order_id=order_id, **data),
        )


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
    @blp.response(201, RatingSchema)
    @blp.doc(parameters=[HEADER_DOC])
    def post(self, data: dict, order_id: int):
        """Rate a served order (评单): stars, the six words as tags, a comment."""
        user = api_user()
        return run_once(
            user=user,
            status=201,
            schema=RatingSchema(),
            call=lambda: service.rate_order(user=user, order_id=order_id, **data),
        )
