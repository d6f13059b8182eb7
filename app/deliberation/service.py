"""Deliberation (民主协商议事): meetings, demands and their lifecycle, orders made from demands, reminders.

Rules:
- Staff (station, county, admin) record meetings and demands at stations in their scope; others see nothing
  here except the public progress page, which shows no one's name.
- A demand moves collected -> accepted -> in_progress -> done -> reported_back, or collected -> declined.
  Accepting needs an owner (staff whose scope covers the station) and a due date not in the past; reporting
  back and declining need the words residents will read. Every step and every change of owner or due date
  is an event (who, when, what, why).
- A demand accepted or in progress can be turned into orders at its station; the first order moves an
  accepted demand to in progress.
- Reminders: owners of demands accepted or in progress are told once when the due date is
  DELIBERATION_REMIND_DAYS away or nearer, and once more when it has passed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

from flask import current_app

from app.accounts.access import authorize, in_scope, within_scope
from app.accounts.models import User
from app.core.errors import InvalidTransition, NotFound, ValidationFailed
from app.core.timeutil import to_local, utcnow
from app.deliberation.models import DEMAND_CATEGORIES, Demand, DemandEvent, DemandOrder, Meeting
from app.extensions import db
from app.orders.models import Order
from app.stations.models import Station

Row = TypeVar("Row", Meeting, Demand)


def _staff_row(user: User, model: type[Row], row_id: int, *, missing: str, field: str) -> Row:
    """A meeting or demand of a station in the staff member's scope, or 404 (`missing` names it)."""
    authorize(user, "deliberation.manage")
    row = db.session.get(model, row_id)
    if row is None or not in_scope(user, "deliberation.manage", row.station_id):
        raise NotFound(missing, field=field)
    return row


TRANSITIONS: dict[str, tuple[str, ...]] = {
    "collected": ("accepted", "declined"),
    "accepted": ("in_progress",),
    "in_progress": ("done",),
    "done": ("reported_back",),
    "reported_back": (),
    "declined": (),
}
OPEN_STATUSES = ("accepted", "in_progress")


def _today() -> date:
    return to_local(utcnow()).date()


def _station_for_staff(user: User, station_id: int) -> Station:
    authorize(user, "deliberation.manage")
    station = db.session.get(Station, station_id)
    if station is None or not in_scope(user, "deliberation.manage", station_id):
        raise NotFound("station not found in your scope", field="station_id")
    return station


# ---------------------------------------------------------------------------------------------------------------
# Meetings


def record_meeting(
    *,
    user: User,
    station_id: int,
    held_on: date,
    title: str,
    attendees_count: int = 0,
    attendee_names: str = "",
    topics: list[str] | None = None,
    minutes: str = "",
) -> Meeting:
    """Record a meeting held at a station in the user's scope."""
    _station_for_staff(user, station_id)
    if held_on > _today():
        raise ValidationFailed("a meeting is recorded after it was held", field="held_on")
    if not title.strip():
        raise ValidationFailed("give the meeting a title", field="title")
    if attendees_count < 0:
        raise ValidationFailed("attendees cannot be negative", field="attendees_count")
    clean_topics = [t.strip()[:120] for t in (topics or []) if t.strip()]
    meeting = Meeting(
        station_id=station_id,
        held_on=held_on,
        title=title.strip(),
        attendees_count=attendees_count,
        attendee_names=attendee_names.strip(),
        topics=clean_topics,
        minutes=minutes.strip(),
        created_by_id=user.id,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def list_meetings(*, user: User, station_id: int | None = None, limit: int = 100) -> list[Meeting]:
    """Meetings at stations in the user's scope, newest first."""
    authorize(user, "deliberation.manage")
    query = within_scope(
        db.select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()), user, Meeting.station_id
    )
    if station_id is not None:
        query = query.where(Meeting.station_id == station_id)
    return list(db.session.scalars(query.limit(limit)))


def get_meeting(*, user: User, meeting_id: int) -> Meeting:
    """One meeting in the user's scope."""
    return _staff_row(user, Meeting, meeting_id, missing="meeting not found", field="meeting_id")


# ---------------------------------------------------------------------------------------------------------------
# Demands


def _event(
    demand: Demand,
    *,
    user: User | None,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    data: dict | None = None,
) -> DemandEvent:
    event = DemandEvent(
        demand=demand,
        actor_id=user.id if user is not None else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note[:400],
        data=data or {},
        at=utcnow(),
    )
    db.session.add(event)
    return event


def raise_demand(
    *,
    user: User,
    title: str,
    station_id: int | None = None,
    meeting_id: int | None = None,
    description: str = "",
    category: str = "other",
) -> Demand:
    """Capture a demand, raised at a meeting (its station) or directly at a station."""
    if meeting_id is not None:
        meeting = get_meeting(user=user, meeting_id=meeting_id)
        if station_id is not None and station_id != meeting.station_id:
            raise ValidationFailed("the demand belongs to the meeting's station", field="station_id")
        station_id = meeting.station_id
    if station_id is None:
        raise ValidationFailed("say where the demand was raised", field="station_id")
    _station_for_staff(user, station_id)
    if not title.strip():
        raise ValidationFailed("say what residents asked for", field="title")
    if category not in DEMAND_CATEGORIES:
        raise ValidationFailed("unknown category", field="category")
    demand = Demand(
        meeting_id=meeting_id,
        station_id=station_id,
        title=title.strip(),
        description=description.strip(),
        category=category,
        status="collected",
    )
    db.session.add(demand)
    db.session.flush()
    _event(demand, user=user, kind="collected", to_status="collected")
    db.session.flush()
    return demand


def list_demands(
    *, user: User, station_id: int | None = None, status: str | None = None, limit: int = 200
) -> list[Demand]:
    """Demands at stations in the user's scope: open ones by due date first, then the rest newest first."""
    authorize(user, "deliberation.manage")
    query = within_scope(db.select(Demand).order_by(Demand.id.desc()), user, Demand.station_id)
    if station_id is not None:
        query = query.where(Demand.station_id == station_id)
    if status is not None:
        query = query.where(Demand.status == status)
    return list(db.session.scalars(query.limit(limit)))


def get_demand(*, user: User, demand_id: int) -> Demand:
    """One demand in the user's scope."""
    return _staff_row(user, Demand, demand_id, missing="demand not found", field="demand_id")


def _owner(station_id: int, owner_id: int) -> User:
    owner = db.session.get(User, owner_id)
    if owner is None or not in_scope(owner, "deliberation.demand.own", station_id):
        raise ValidationFailed("the owner is staff responsible for this station", field="owner_id")
    return owner


def _check_due(due_on: date) -> None:
    if due_on < _today():
        raise ValidationFailed("the due date has passed", field="due_on")


def assign(
    *, user: User, demand_id: int, owner_id: int | None = None, due_on: date | None = None, note: str = ""
) -> Demand:
    """Change a demand's owner or due date (while it is not finished); recorded as an event."""
    demand = get_demand(user=user, demand_id=demand_id)
    if demand.status in ("done", "reported_back", "declined"):
        raise InvalidTransition("a finished demand keeps its owner and due date", field="status")
    changes: dict[str, str | None] = {}
    if owner_id is not None and owner_id != demand.owner_id:
        demand.owner = _owner(demand.station_id, owner_id)
        changes["owner"] = demand.owner.display_name
    if due_on is not None and due_on != demand.due_on:
        _check_due(due_on)
        changes["due_on"] = due_on.isoformat()
        demand.due_on = due_on
    if not changes:
        raise ValidationFailed("change the owner or the due date", field="owner_id")
    _event(demand, user=user, kind="assigned", note=note, data=changes)
    db.session.flush()
    return demand


def move(
    *,
    user: User,
    demand_id: int,
    to_status: str,
    note: str = "",
    owner_id: int | None = None,
    due_on: date | None = None,
) -> Demand:
    """Take a demand one step along its lifecycle, if the rules allow it."""
    demand = get_demand(user=user, demand_id=demand_id)
    if to_status not in TRANSITIONS.get(demand.status, ()):
        raise InvalidTransition(
            "a demand that is %(demand_state)s cannot become %(demand_step)s",
            field="to_status",
            params={"demand_state": demand.status, "demand_step": to_status},
        )
    if to_status == "accepted":
        owner = _owner(demand.station_id, owner_id if owner_id is not None else (demand.owner_id or user.id))
        if due_on is None and demand.due_on is None:
            raise ValidationFailed("an accepted demand needs a due date", field="due_on")
        if due_on is not None:
            _check_due(due_on)
            demand.due_on = due_on
        demand.owner = owner
    if to_status in ("reported_back", "declined"):
        if not note.strip():
            raise ValidationFailed("write what residents will be told", field="note")
        demand.outcome = note.strip()
    from_status = demand.status
    demand.status = to_status
    data = (
        {
            "owner": demand.owner.display_name if demand.owner else None,
            "due_on": demand.due_on.isoformat() if demand.due_on else None,
        }
        if to_status == "accepted"
        else {}
    )
    _event(demand, user=user, kind=to_status, from_status=from_status, to_status=to_status, note=note, data=data)
    db.session.flush()
    return demand


def place_orders(
    *,
    user: User,
    demand_id: int,
    menu_item_id: int,
    windows: list[dict],
    priority: int | None = None,
    notes: str = "",
    resident: dict | None = None,
) -> Order:
    """Turn a demand into an order at its station (for the residents' representative unless one is named)."""
    from app.orders.service import place_order

    demand = get_demand(user=user, demand_id=demand_id)
    if demand.status not in OPEN_STATUSES:
        raise InvalidTransition(
            "a demand that is %(demand_state)s cannot be turned into orders",
            field="status",
            params={"demand_state": demand.status},
        )
    order = place_order(
        user=user,
        menu_item_id=menu_item_id,
        station_id=demand.station_id,
        windows=windows,
        priority=priority,
        notes=(notes or f"议事会诉求：{demand.title}")[:2000],
        resident=resident or {"name": "议事会居民代表", "note": f"诉求：{demand.title}"[:200]},
    )
    db.session.add(DemandOrder(demand=demand, order_id=order.id))
    _event(demand, user=user, kind="order_placed", data={"order": order.code})
    if demand.status == "accepted":
        demand.status = "in_progress"
        _event(
            demand, user=user, kind="in_progress", from_status="accepted", to_status="in_progress", note="order placed"
        )
    db.session.flush()
    return order


# ---------------------------------------------------------------------------------------------------------------
# Public progress and reminders


def public_progress(*, station_code: str) -> tuple[Station, list[Meeting], list[Demand]]:
    """A station's meetings and demands as residents may see them (no names), newest first."""
    station = db.session.scalar(db.select(Station).where(Station.code == station_code, Station.active.is_(True)))
    if station is None:
        raise NotFound("station not found", field="station")
    meetings = list(
        db.session.scalars(
            db.select(Meeting).where(Meeting.station_id == station.id).order_by(Meeting.held_on.desc()).limit(12)
        )
    )
    demands = list(
        db.session.scalars(db.select(Demand).where(Demand.station_id == station.id).order_by(Demand.id.desc()))
    )
    return station, meetings, demands


def remind_due(*, now: datetime | None = None) -> dict[str, int]:
    """Tell owners of open demands that are due soon (once per due date) or overdue (once more)."""
    from app.notifications import service as notify

    now = now or utcnow()
    today = to_local(now).date()
    horizon = today + timedelta(days=int(current_app.config["DELIBERATION_REMIND_DAYS"]))
    counts = {"due_soon": 0, "overdue": 0, "queued": 0}
    demands = db.session.scalars(
        db.select(Demand).where(
            Demand.status.in_(OPEN_STATUSES),
            Demand.due_on.is_not(None),
            Demand.due_on <= horizon,
            Demand.owner_id.is_not(None),
        )
    )
    for demand in demands:
        overdue = demand.due_on < today
        kind = "overdue" if overdue else "due_soon"
        counts[kind] += 1
        queued = notify.notify(
            key=f"demand-{kind}:{demand.id}:{demand.due_on.isoformat()}",
            kind=f"demand_{kind}",
            recipient=notify.recipient_for_user(demand.owner),
            values={"title": demand.title, "station": demand.station.name, "due": demand.due_on},
            data={"demand_id": demand.id},
            now=now,
        )
        counts["queued"] += len(queued)
    return counts
