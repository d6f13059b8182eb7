"""The accepted crew at work: check-in and check-out, completion, and accepted orders whose service passed."""

from __future__ import annotations

from datetime import datetime

from app.accounts.access import STAFF_ROLES, station_in_scope
from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, ValidationFailed
from app.core.timeutil import utcnow
from app.dispatch.models import Proposal
from app.extensions import db
from app.orders import service as orders
from app.orders.models import Order, ServiceRecord
from app.volunteers.models import Volunteer
from app.volunteers.service import volunteer_of


def accepted_proposal(order: Order) -> Proposal | None:
    """The order's accepted proposal, if any."""
    return db.session.scalar(db.select(Proposal).where(Proposal.order_id == order.id, Proposal.status == "accepted"))


def _crew_volunteer(order: Order, volunteer_id: int) -> Volunteer:
    proposal = accepted_proposal(order)
    if proposal is None:
        raise InvalidTransition("the order has no accepted crew", field="status")
    for member in proposal.crew:
        if member.volunteer_id == volunteer_id:
            return member.volunteer
    raise ValidationFailed("this volunteer is not on the crew", field="volunteer_id")


def _resolve_crew_member(user: User, order: Order, volunteer_id: int | None) -> Volunteer:
    if volunteer_id is None:
        own = volunteer_of(user)
        if own is None:
            raise ValidationFailed("say which volunteer", field="volunteer_id")
        volunteer_id = own.id
    volunteer = _crew_volunteer(order, volunteer_id)
    is_self = volunteer.user_id == user.id
    is_lead = volunteer.team is not None and volunteer.team.lead_user_id == user.id
    is_staff = user.role in STAFF_ROLES and station_in_scope(user, order.station_id)
    if not (is_self or is_lead or is_staff):
        raise Forbidden("only the volunteer, their lead or station staff may record this")
    return volunteer


def check_in(*, user: User, order_id: int, volunteer_id: int | None = None) -> ServiceRecord:
    """A crew member arrives; the first check-in puts the order in service (two at once take turns)."""
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status not in ("accepted", "in_service"):
        raise InvalidTransition(f"an order that is {order.status} cannot be checked in to", field="status")
    volunteer = _resolve_crew_member(user, order, volunteer_id)
    if any(r.volunteer_id == volunteer.id for r in order.service_records):
        raise InvalidTransition("this volunteer has already checked in", field="volunteer_id")
    now = utcnow()
    record = ServiceRecord(order=order, volunteer_id=volunteer.id, check_in_at=now, recorded_by_id=user.id)
    db.session.add(record)
    if order.status == "accepted":
        orders.transition(order, "in_service", actor=user, kind="in_service", data={"volunteer": volunteer.code})
    else:
        orders.record_event(order, kind="check_in", actor=user, data={"volunteer": volunteer.code})
    db.session.flush()
    return record


def check_out(*, user: User, order_id: int, volunteer_id: int | None = None) -> ServiceRecord:
    """A crew member leaves; when the whole crew has been and gone, the order is completed.

    The order's row lock makes the last two check-outs take turns, so the second sees the first and completes.
    """
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status != "in_service":
        raise InvalidTransition(f"an order that is {order.status} cannot be checked out of", field="status")
    volunteer = _resolve_crew_member(user, order, volunteer_id)
    record = next((r for r in order.service_records if r.volunteer_id == volunteer.id), None)
    if record is None:
        raise InvalidTransition("this volunteer has not checked in", field="volunteer_id")
    if record.check_out_at is not None:
        raise InvalidTransition("this volunteer has already checked out", field="volunteer_id")
    now = utcnow()
    record.check_out_at = now
    record.minutes = max(1, round((now - record.check_in_at).total_seconds() / 60))
    orders.record_event(
        order, kind="check_out", actor=user, data={"volunteer": volunteer.code, "minutes": record.minutes}
    )
    proposal = accepted_proposal(order)
    crew = {m.volunteer_id for m in proposal.crew} if proposal is not None else set()
    left = {r.volunteer_id for r in order.service_records if r.check_out_at is not None}
    if crew <= left:
        orders.transition(order, "completed", actor=user, reason="every crew member checked out")
    db.session.flush()
    return record


def complete_order(*, user: User, order_id: int, reason: str = "") -> Order:
    """The lead or station staff close an order in service when not all of the crew came (who came is kept)."""
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status != "in_service":
        raise InvalidTransition(f"an order that is {order.status} cannot be completed", field="status")
    proposal = accepted_proposal(order)
    is_lead = proposal is not None and proposal.team.lead_user_id == user.id
    if not (is_lead or (user.role in STAFF_ROLES and station_in_scope(user, order.station_id))):
        raise Forbidden("only the team lead or station staff may complete an order")
    if any(r.check_out_at is None for r in order.service_records):
        raise InvalidTransition("someone is still checked in", field="status")
    orders.transition(order, "completed", actor=user, reason=reason or "completed without the full crew")
    return order


def expire_stale_orders(*, now: datetime | None = None) -> list[Order]:
    """Orders whose every window passed unserved, and accepted ones whose planned service ended unserved, expire."""
    now = now or utcnow()
    stale = orders.orders_past_their_windows(now=now)
    # An accepted order expires only when its planned service has also ended unserved.
    stale.extend(
        db.session.scalars(
            db.select(Order)
            .join(Proposal, Proposal.order_id == Order.id)
            .where(Order.status == "accepted", Proposal.status == "accepted", Proposal.end_at <= now)
            .order_by(Order.id)
        )
    )
    orders.expire_orders(stale)
    return stale
