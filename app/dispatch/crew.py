"""The accepted crew at work: check-in and check-out, completion, and accepted orders whose service passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.accounts.access import allowed, may_run_crew, staff_over
from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.timeutil import utcnow
from app.dispatch.models import Proposal
from app.extensions import db
from app.orders import service as orders
from app.orders.models import Order, ServiceCorrection, ServiceRecord
from app.stations.service import station_code_matches
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


def _resolve_crew_member(user: User, order: Order, volunteer_id: int | None) -> tuple[Volunteer, str]:
    """The crew member a check-in or -out is for, and who vouches for it: the volunteer, their lead or staff."""
    if volunteer_id is None:
        own = volunteer_of(user)
        if own is None:
            raise ValidationFailed("say which volunteer", field="volunteer_id")
        volunteer_id = own.id
    volunteer = _crew_volunteer(order, volunteer_id)
    if volunteer.team is not None and volunteer.team.lead_user_id == user.id:
        return volunteer, "lead"
    if staff_over(user, order.station_id):
        return volunteer, "staff"
    if volunteer.user_id == user.id:
        return volunteer, "self"
    raise Forbidden("only the volunteer, their lead or station staff may record this")


@dataclass(frozen=True)
class CheckInWindow:
    """When check-in for a planned service opens and closes."""

    opens_at: datetime
    closes_at: datetime


def check_in_window(proposal: Proposal) -> CheckInWindow:
    """From the configured minutes before the planned start until the planned end."""
    before = timedelta(minutes=current_app.config["CHECK_IN_OPENS_MINUTES"])
    return CheckInWindow(opens_at=proposal.start_at - before, closes_at=proposal.end_at)


def check_in(
    *, user: User, order_id: int, volunteer_id: int | None = None, station_code: str | None = None
) -> ServiceRecord:
    """A crew member arrives, inside the check-in window, proven present by the station's code or their lead.

    The order's row lock makes two check-ins at once take turns.
    """
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status not in ("accepted", "in_service"):
        raise InvalidTransition(
            "an order that is %(status)s cannot be checked in to", field="status", params={"status": order.status}
        )
    volunteer, vouched_by = _resolve_crew_member(user, order, volunteer_id)
    if any(r.volunteer_id == volunteer.id for r in order.service_records):
        raise InvalidTransition("this volunteer has already checked in", field="volunteer_id")
    now = utcnow()
    # The crew lookup above found the accepted proposal.
    window = check_in_window(accepted_proposal(order))  # type: ignore[arg-type]
    if now < window.opens_at:
        raise InvalidTransition("check-in has not opened yet", field="status", code="check_in_not_open")
    if now > window.closes_at:
        raise InvalidTransition("the service has already ended", field="status", code="check_in_closed")
    if vouched_by == "self":
        if not station_code:
            raise ValidationFailed("type the code shown at the station", field="station_code")
        if not station_code_matches(station_id=order.station_id, code=station_code, at=now):
            raise ValidationFailed("this is not the station's current code", field="station_code")
    presence = "station_code" if vouched_by == "self" else vouched_by
    record = ServiceRecord(
        order=order, volunteer_id=volunteer.id, check_in_at=now, recorded_by_id=user.id, presence=presence
    )
    db.session.add(record)
    data = {"volunteer": volunteer.code, "presence": presence}
    if order.status == "accepted":
        orders.transition(order, "in_service", actor=user, kind="in_service", data=data)
    else:
        orders.record_event(order, kind="check_in", actor=user, data=data)
    db.session.flush()
    return record


def clipped_minutes(check_in_at: datetime, check_out_at: datetime, proposal: Proposal | None) -> int:
    """Whole minutes of a stay that fall inside the planned service (all of it when there is no plan)."""
    start, end = check_in_at, check_out_at
    if proposal is not None:
        start, end = max(start, proposal.start_at), min(end, proposal.end_at)
    return max(0, round((end - start).total_seconds() / 60))


def check_out(*, user: User, order_id: int, volunteer_id: int | None = None) -> ServiceRecord:
    """A crew member leaves; their stay is clipped to the planned service and counts once the lead confirms it.

    The order's row lock makes the last two check-outs take turns, so the second sees the first and completes.
    """
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status != "in_service":
        raise InvalidTransition(
            "an order that is %(status)s cannot be checked out of", field="status", params={"status": order.status}
        )
    volunteer, vouched_by = _resolve_crew_member(user, order, volunteer_id)
    record = next((r for r in order.service_records if r.volunteer_id == volunteer.id), None)
    if record is None:
        raise InvalidTransition("this volunteer has not checked in", field="volunteer_id")
    if record.check_out_at is not None:
        raise InvalidTransition("this volunteer has already checked out", field="volunteer_id")
    proposal = accepted_proposal(order)
    record.check_out_at = utcnow()
    record.measured_minutes = clipped_minutes(record.check_in_at, record.check_out_at, proposal)
    if vouched_by != "self":
        # The lead or staff recording the departure is their confirmation of the hours.
        _confirm(record, user)
    orders.record_event(
        order, kind="check_out", actor=user, data={"volunteer": volunteer.code, "minutes": record.measured_minutes}
    )
    crew = {m.volunteer_id for m in proposal.crew} if proposal is not None else set()
    left = {r.volunteer_id for r in order.service_records if r.check_out_at is not None}
    if crew <= left:
        orders.transition(order, "completed", actor=user, reason="every crew member checked out")
    db.session.flush()
    return record


def _confirm(record: ServiceRecord, user: User) -> None:
    record.minutes = record.measured_minutes
    record.confirmed_at = utcnow()
    record.confirmed_by_id = user.id


def _record_for_lead(user: User, record_id: int) -> ServiceRecord:
    """A service record whose hours the user may confirm: the volunteer's team lead or staff over the station."""
    record = db.session.get(ServiceRecord, record_id)
    if record is None:
        raise NotFound("service record not found")
    # Locked like check-in and -out, so two confirmations or decisions at once take turns.
    order = orders.get_order(user=user, order_id=record.order_id, lock=True)
    db.session.refresh(record)
    if not may_run_crew(user, order, accepted_proposal(order)):
        raise Forbidden("only the team lead or station staff may confirm hours")
    return record


def confirm_hours(*, user: User, record_id: int) -> ServiceRecord:
    """The lead confirms a checked-out stay: its clipped minutes start to count."""
    record = _record_for_lead(user, record_id)
    if record.check_out_at is None:
        raise InvalidTransition("this volunteer has not checked out", field="status")
    if record.confirmed_at is not None:
        raise InvalidTransition("these hours are already confirmed", field="status")
    if any(c.status == "pending" for c in record.corrections):
        raise InvalidTransition("a correction of these hours is waiting for a decision", field="status")
    _confirm(record, user)
    orders.record_event(
        record.order,
        kind="hours_confirmed",
        actor=user,
        data={"volunteer": record.volunteer.code, "minutes": record.minutes},
    )
    db.session.flush()
    return record


def request_correction(
    *, user: User, record_id: int, check_in_at: datetime, check_out_at: datetime, reason: str
) -> ServiceCorrection:
    """The volunteer (or their lead) asks for other times; nothing changes until the lead or staff approve."""
    record = db.session.get(ServiceRecord, record_id)
    if record is None:
        raise NotFound("service record not found")
    order = orders.get_order(user=user, order_id=record.order_id)
    _resolve_crew_member(user, order, record.volunteer_id)
    if record.check_out_at is None:
        raise InvalidTransition("this volunteer has not checked out", field="status")
    if check_out_at <= check_in_at:
        raise ValidationFailed("the end must be after the start", field="check_out_at")
    if check_out_at > utcnow():
        raise ValidationFailed("the end cannot be in the future", field="check_out_at")
    if any(c.status == "pending" for c in record.corrections):
        raise InvalidTransition("a correction of these hours is waiting for a decision", field="status")
    correction = ServiceCorrection(
        record=record,
        requested_by_id=user.id,
        check_in_at=check_in_at,
        check_out_at=check_out_at,
        reason=reason.strip()[:300],
    )
    db.session.add(correction)
    orders.record_event(order, kind="correction_requested", actor=user, data={"volunteer": record.volunteer.code})
    db.session.flush()
    return correction


def decide_correction(*, user: User, correction_id: int, approve: bool) -> ServiceCorrection:
    """The lead or staff approve a correction (the record takes its times, clipped, and counts) or reject it."""
    correction = db.session.get(ServiceCorrection, correction_id)
    if correction is None:
        raise NotFound("correction not found")
    record = _record_for_lead(user, correction.record_id)
    if correction.status != "pending":
        raise InvalidTransition("this correction has already been decided", field="status")
    if correction.requested_by_id == user.id and not allowed(user, "crew.correction.decide_own"):
        raise Forbidden("someone else must decide on a correction you asked for")
    correction.status = "approved" if approve else "rejected"
    correction.decided_by_id = user.id
    correction.decided_at = utcnow()
    previous_minutes = record.minutes
    if approve:
        correction.previous_check_in_at = record.check_in_at
        correction.previous_check_out_at = record.check_out_at
        record.check_in_at, record.check_out_at = correction.check_in_at, correction.check_out_at
        record.measured_minutes = clipped_minutes(
            record.check_in_at, record.check_out_at, accepted_proposal(record.order)
        )
        _confirm(record, user)
    orders.record_event(
        record.order,
        kind=f"correction_{correction.status}",
        actor=user,
        data={
            "volunteer": record.volunteer.code,
            "record_id": record.id,
            "minutes": record.minutes,
            "previous_minutes": previous_minutes,
        },
    )
    db.session.flush()
    return correction


def complete_order(*, user: User, order_id: int, reason: str = "") -> Order:
    """The lead or station staff close an order in service when not all of the crew came (who came is kept)."""
    order = orders.get_order(user=user, order_id=order_id, lock=True)
    if order.status != "in_service":
        raise InvalidTransition(
            "an order that is %(status)s cannot be completed", field="status", params={"status": order.status}
        )
    if not may_run_crew(user, order, accepted_proposal(order)):
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
