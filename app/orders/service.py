"""The order lifecycle (点单 → 评单): placing, following, cancelling, serving, rating, expiring.

Every transition goes through `transition`, which checks it is allowed and records an OrderEvent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, select

from app.accounts.access import (
    allowed,
    authorize,
    in_scope,
    may_act_for_resident,
    within_scope,
)
from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.intervals import union
from app.core.signals import order_event_recorded
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.menu.models import MenuItem, MenuItemNeed
from app.menu.service import item_orderable_at, skill_by_code
from app.orders.models import (
    OPEN_STATUSES,
    RATING_TAGS,
    Order,
    OrderEvent,
    OrderExclusion,
    OrderNeed,
    OrderWindow,
    Rating,
    Resident,
    ServiceRecord,
)
from app.stations.models import LEVEL_RANK, LEVELS, Station
from app.stations.service import station_with_lineage

# Which status may follow which; anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    "submitted": {"dispatched", "cancelled", "expired"},
    "dispatched": {"submitted", "accepted", "cancelled", "expired"},
    "accepted": {"in_service", "submitted", "cancelled", "expired"},
    "in_service": {"completed"},
    "completed": {"rated"},
    "rated": set(),
    "cancelled": set(),
    "expired": set(),
}
CANCELLABLE = ("submitted", "dispatched", "accepted")
MAX_WINDOWS = 10


def record_event(
    order: Order,
    *,
    kind: str,
    actor: User | None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str = "",
    reason_params: dict | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> OrderEvent:
    """Append an event to an order's log and announce it.

    A reason with `reason_params` is an English message id: the log keeps it filled in, and the id with its
    parameters in `data`, so pages can show it translated.
    """
    data = dict(data or {})
    if reason_params:
        data["reason_id"], data["reason_params"] = reason, reason_params
        reason = reason % reason_params
    event = OrderEvent(
        order=order,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:400],
        data=data,
        at=at or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    order_event_recorded.send(None, event=event)
    return event


def transition(
    order: Order,
    to_status: str,
    *,
    actor: User | None,
    kind: str | None = None,
    reason: str = "",
    reason_params: dict | None = None,
    data: dict | None = None,
) -> OrderEvent:
    """Move an order to a new status if the lifecycle allows it, and record who, when and why."""
    if to_status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            "an order that is %(status)s cannot become %(to_status)s",
            field="status",
            params={"status": order.status, "to_status": to_status},
        )
    from_status = order.status
    order.status = to_status
    now = utcnow()
    order.updated_at = now
    if to_status == "accepted":
        order.accepted_at = now
    elif to_status == "in_service":
        order.started_at = now
    elif to_status == "completed":
        order.completed_at = now
    elif to_status in ("cancelled", "expired"):
        order.closed_at = now
    return record_event(
        order,
        kind=kind or to_status,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        reason_params=reason_params,
        data=data,
        at=now,
    )


def _normalise_windows(windows: list[dict], duration: int, now: datetime) -> list[tuple[datetime, datetime]]:
    if not windows:
        raise ValidationFailed("give at least one time window", field="windows")
    if len(windows) > MAX_WINDOWS:
        raise ValidationFailed("at most %(n)s time windows", field="windows", params={"n": MAX_WINDOWS})
    horizon = now + timedelta(days=current_app.config["ORDER_MAX_DAYS_AHEAD"])
    spans: list[tuple[datetime, datetime]] = []
    for index, window in enumerate(windows):
        start, end = window["start"], window["end"]
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationFailed("times need a UTC offset", field=f"windows.{index}.start")
        if end <= start:
            raise ValidationFailed("the window ends before it starts", field=f"windows.{index}.end")
        if end <= now:
            raise ValidationFailed("the window is already over", field=f"windows.{index}.end")
        if start > horizon:
            raise ValidationFailed("the window is too far ahead", field=f"windows.{index}.start")
        if (end - max(start, now)) < timedelta(minutes=duration):
            raise ValidationFailed(
                "the window is shorter than the service (%(minutes)s minutes)",
                field=f"windows.{index}.end",
                params={"minutes": duration},
            )
        spans.append((start, end))
    return union(spans)


def _resident_for(user: User, station: Station, resident_id: int | None, resident: dict | None) -> Resident | None:
    if allowed(user, "order.place.self"):
        own = db.session.scalar(db.select(Resident).where(Resident.user_id == user.id))
        if own is None:
            own = Resident(name=user.display_name, phone=user.phone, station=station, user_id=user.id)
            db.session.add(own)
        return own
    if resident_id is not None:
        found = db.session.get(Resident, resident_id)
        if found is None or not in_scope(user, "order.place", found.station_id):
            raise ValidationFailed("unknown resident", field="resident_id")
        return found
    if resident is not None:
        walk_in = Resident(
            name=resident["name"], phone=resident.get("phone"), station=station, note=resident.get("note", "")
        )
        db.session.add(walk_in)
        return walk_in
    raise ValidationFailed("say who the service is for: resident_id or a walk-in resident", field="resident")


def _numbered(day: str) -> tuple[ColumnElement[int], ColumnElement[str]]:
    """A new order's id and its code (DD, the local date, the id in six digits or more), both worked out inside the
    order's INSERT, so the code needs no UPDATE after it."""
    return _numbering(db.session.get_bind().dialect.name, day)


@lru_cache(maxsize=8)
def _numbering(dialect: str, day: str) -> tuple[ColumnElement[int], ColumnElement[str]]:
    # Built once a day per dialect (SQL expressions are immutable, so every INSERT may share them).
    if dialect == "postgresql":
        sequence = func.pg_get_serial_sequence(Order.__tablename__, "id")
        # The id is the row's first column: PostgreSQL evaluates it, drawing the number, before the code reads the
        # same number back with currval (this session's own, so concurrent orders never see each other's).
        digits = cast(func.currval(sequence), Text)
        padded = func.lpad(digits, func.greatest(6, func.length(digits)), "0")
        return func.nextval(sequence), literal(f"DD{day}") + padded
    # SQLite has one writer at a time: the highest id, read by the INSERT itself, cannot move before it writes.
    number = select(func.coalesce(func.max(Order.id), 0) + 1).scalar_subquery()
    return number, literal(f"DD{day}") + func.printf("%06d", number)


def place_order(
    *,
    user: User,
    menu_item_id: int,
    station_id: int,
    windows: list[dict],
    resident_id: int | None = None,
    resident: dict | None = None,
    needs: list[dict] | None = None,
    priority: int | None = None,
    notes: str = "",
) -> Order:
    """A resident orders for themself, or station staff order on a resident's behalf (群众点单)."""
    if not allowed(user, "order.place"):
        raise Forbidden("only residents and station staff may place orders")
    # With its ancestors, in one query: the scope check and the menu item's reach read them, not the station tree.
    station = station_with_lineage(station_id)
    if station is None or not station.active:
        raise ValidationFailed("unknown station", field="station_id")
    authorize(user, "order.place", station, field="station_id")
    # Its needs and their skills in the same query: the order copies them and its answer names the skills.
    item = db.session.get(
        MenuItem, menu_item_id, options=[db.joinedload(MenuItem.needs).joinedload(MenuItemNeed.skill)]
    )
    if item is None:
        raise ValidationFailed("unknown menu item", field="menu_item_id")
    if not item_orderable_at(item, station):
        raise ValidationFailed("this menu item cannot be ordered at this station", field="menu_item_id")
    if allowed(user, "order.place.self"):
        if item.orderable_by != "resident":
            raise ValidationFailed("this service is ordered through station staff", field="menu_item_id")
        if needs is not None or priority is not None:
            raise Forbidden("only staff may change headcount or priority")
    now = utcnow()
    spans = _normalise_windows(windows, item.duration_minutes, now)
    who = _resident_for(user, station, resident_id, resident)
    order_id, code = _numbered(to_local(now).strftime("%y%m%d"))
    order = Order(
        id=order_id,
        code=code,
        menu_item=item,
        station=station,
        resident=who,
        placed_by_id=user.id,
        status="submitted",
        priority=priority if priority is not None else item.default_priority,
        duration_minutes=item.duration_minutes,
        tier=station.level,
        notes=notes,
        created_at=now,
        updated_at=now,
        # A new order has none of these; set, they are known and the answer need not read them back.
        exclusions=[],
        service_records=[],
        rating=None,
    )
    # In UTC, as they are stored and read back: the answer is dumped from these objects (`keep_loaded`).
    order.windows = [OrderWindow(start_at=s.astimezone(UTC), end_at=e.astimezone(UTC)) for s, e in spans]
    if needs is None:
        order.needs = [OrderNeed(skill=n.skill, count=n.count) for n in item.needs]
    else:
        seen: set[str] = set()
        for index, need in enumerate(needs):
            if need["skill"] in seen:
                raise ValidationFailed("each skill may appear once", field=f"needs.{index}.skill")
            seen.add(need["skill"])
            order.needs.append(
                OrderNeed(skill=skill_by_code(need["skill"], field=f"needs.{index}.skill"), count=need["count"])
            )
    db.session.add(order)
    # Flushed with its first event: one INSERT writes the order with its id and code, and returns both.
    record_event(
        order,
        kind="submitted",
        actor=user,
        to_status="submitted",
        reason="placed by the resident" if allowed(user, "order.place.self") else "placed on behalf of a resident",
        data={"menu_item": item.code, "windows": len(spans)},
        at=now,
    )
    return order


# Policy actions whose orders another package decides (dispatch: a lead sees their teams' proposed orders, a
# volunteer the orders they are crewed on); each gives a query of the order ids the user may see.
OrderAudience = Callable[[User], Select]
_AUDIENCES: dict[str, OrderAudience] = {}


def register_order_audience(action: str, order_ids: OrderAudience) -> None:
    """Let another package say which orders the users a policy action allows may see."""
    _AUDIENCES[action] = order_ids


def _visible_orders_query(user: User) -> Select:
    query = db.select(Order)
    if allowed(user, "order.list.station"):
        return within_scope(query, user, Order.station_id)
    if allowed(user, "order.list.own"):
        return query.outerjoin(Resident, Order.resident_id == Resident.id).where(
            (Resident.user_id == user.id) | (Order.placed_by_id == user.id)
        )
    for action, order_ids in _AUDIENCES.items():
        if allowed(user, action):
            return query.where(Order.id.in_(order_ids(user)))
    return query.where(False)


def list_orders(
    *, user: User, status: str | None = None, station_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[Order]:
    """Orders the user may see, newest first."""
    query = _visible_orders_query(user)
    if status is not None:
        query = query.where(Order.status == status)
    if station_id is not None:
        query = query.where(Order.station_id == station_id)
    query = (
        query.order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
        .options(
            db.joinedload(Order.menu_item),
            db.joinedload(Order.resident),
            db.joinedload(Order.rating),
            db.selectinload(Order.windows),
            db.selectinload(Order.needs).joinedload(OrderNeed.skill),
            db.selectinload(Order.exclusions),
            db.selectinload(Order.service_records).joinedload(ServiceRecord.volunteer),
        )
    )
    return list(db.session.scalars(query).unique())


def get_order(*, user: User, order_id: int, lock: bool = False) -> Order:
    """One order the user may see, or 404 (existence is not revealed); `lock` takes its row lock first."""
    query = _visible_orders_query(user).where(Order.id == order_id)
    if lock:
        query = query.with_for_update(of=Order).execution_options(populate_existing=True)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound("order not found")
    return order


def lock_orders(order_ids: set[int] | list[int]) -> dict[int, Order]:
    """Take the row locks of some orders, in id order, and reload them as they are now.

    The one lock order everywhere: a county's dispatch lock, then orders by id, then their proposals and crew.
    Every change of an order's state starts here, so a change never works on a status another one has moved.
    """
    if not order_ids:
        return {}
    found = db.session.scalars(
        db.select(Order)
        .where(Order.id.in_(sorted(order_ids)))
        .order_by(Order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {order.id: order for order in found}


def lock_order(order: Order) -> Order:
    """Take one order's row lock and reload it (see lock_orders)."""
    return lock_orders([order.id])[order.id]


def cancel_order(*, user: User, order_id: int, reason: str = "") -> Order:
    """The resident or staff cancel an order that is not yet in service (dispatch withdraws a live proposal)."""
    order = get_order(user=user, order_id=order_id, lock=True)
    if not may_act_for_resident(user, order):
        raise Forbidden("only the resident or station staff may cancel")
    if order.status not in CANCELLABLE:
        raise InvalidTransition(
            "an order that is %(status)s cannot be cancelled", field="status", params={"status": order.status}
        )
    transition(order, "cancelled", actor=user, reason=reason or "cancelled")
    return order


def rate_order(*, user: User, order_id: int, stars: int, tags: list[str], comment: str = "") -> Rating:
    """The resident (or staff for them) rates a completed order (评单)."""
    order = get_order(user=user, order_id=order_id, lock=True)
    if not may_act_for_resident(user, order):
        raise Forbidden("only the resident or station staff may rate")
    return _rate(order, rated_by=user, stars=stars, tags=tags, comment=comment)


def rate_order_by_status_key(*, order_id: int, key: str, stars: int, tags: list[str], comment: str = "") -> Rating:
    """A walk-in without an account rates a completed order through its short status link.

    The same rating sent again (a double tap, a resubmitted form) returns the stored rating instead of refusing it.
    """
    order = order_by_status_key(order_id=order_id, key=key, lock=True)
    kept = order.rating
    sent = (stars, list(dict.fromkeys(tags)), comment)
    if kept is not None and kept.rated_by_id is None and (kept.stars, kept.tags, kept.comment) == sent:
        return kept
    return _rate(order, rated_by=None, stars=stars, tags=tags, comment=comment)


def _rate(order: Order, *, rated_by: User | None, stars: int, tags: list[str], comment: str) -> Rating:
    """The one set of rating rules: once per order, a served order only, 1 to 5 stars, known praise words."""
    if order.status == "rated":
        raise InvalidTransition("this order has already been rated", field="status")
    if order.status != "completed":
        raise InvalidTransition("only a served order can be rated", field="status")
    if not 1 <= stars <= 5:
        raise ValidationFailed("stars must be 1 to 5", field="stars")
    unknown = [t for t in tags if t not in RATING_TAGS]
    if unknown:
        raise ValidationFailed("unknown tag %(tag)s", field="tags", params={"tag": unknown[0]})
    rating = Rating(
        order=order,
        stars=stars,
        tags=list(dict.fromkeys(tags)),
        comment=comment,
        rated_by_id=rated_by.id if rated_by is not None else None,
    )
    db.session.add(rating)
    transition(order, "rated", actor=rated_by, data={"stars": stars})
    return rating


def next_tier(level: str) -> str | None:
    """The tier above (village -> township -> county), or None at the top."""
    rank = LEVEL_RANK[level]
    return LEVELS[rank - 1] if rank > 0 else None


def exclude_team(order: Order, team_id: int, *, reason: str) -> None:
    """Never propose this team for the order again."""
    if team_id not in order.excluded_team_ids:
        order.exclusions.append(OrderExclusion(team_id=team_id, reason=reason))


def escalate(order: Order, *, actor: User | None, reason: str, reason_params: dict | None = None) -> bool:
    """Raise the order's tier by one (village -> township -> county); False at the top."""
    higher = next_tier(order.tier)
    if higher is None:
        return False
    previous = order.tier
    order.tier = higher
    record_event(
        order,
        kind="escalated",
        actor=actor,
        reason=reason,
        reason_params=reason_params,
        data={"from": previous, "to": higher},
    )
    return True


def orders_past_their_windows(*, now: datetime) -> list[Order]:
    """Submitted or dispatched orders whose every window has passed."""
    last_end = (
        db.select(OrderWindow.order_id).group_by(OrderWindow.order_id).having(db.func.max(OrderWindow.end_at) <= now)
    )
    return list(
        db.session.scalars(
            db.select(Order)
            .where(Order.status.in_(("submitted", "dispatched")), Order.id.in_(last_end))
            .order_by(Order.id)
        )
    )


def expire_orders(stale: list[Order]) -> None:
    """Expire orders that went unserved (dispatch withdraws their live proposals on the event)."""
    wanted = {order.id: order.status for order in stale}
    locked = lock_orders(set(wanted))
    # Between the look and the lock an order may have moved on (accepted, cancelled): leave those alone.
    for order in [locked[i] for i in sorted(wanted) if i in locked and locked[i].status == wanted[i]]:
        transition(order, "expired", actor=None, reason="every requested time window passed unserved")


def open_duplicates(*, user: User, menu_item_id: int, station_id: int, resident: dict | None = None) -> list[Order]:
    """Open orders for the same service, station and resident: a second one is most often a mistake."""
    query = db.select(Order).where(
        Order.menu_item_id == menu_item_id, Order.station_id == station_id, Order.status.in_(OPEN_STATUSES)
    )
    if allowed(user, "order.place.self"):
        query = query.outerjoin(Resident, Order.resident_id == Resident.id).where(
            (Resident.user_id == user.id) | (Order.placed_by_id == user.id)
        )
    elif resident is not None:
        # A walk-in is recognised by phone when given, else by name, at that station.
        query = query.join(Resident, Order.resident_id == Resident.id)
        if resident.get("phone"):
            query = query.where(Resident.phone == resident["phone"])
        else:
            query = query.where(Resident.name == resident.get("name", ""))
    else:
        return []
    return list(db.session.scalars(query.order_by(Order.id)))


def status_key(order: Order) -> str:
    """The secret part of an order's short status link, for walk-ins without an account (keyed on SECRET_KEY)."""
    import base64
    import hashlib
    import hmac

    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"order-status:{order.id}:{order.code}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:10].lower()


def order_by_status_key(*, order_id: int, key: str, lock: bool = False) -> Order:
    """The order a short status link names, or 404 when the key does not match; `lock` takes its row lock."""
    import hmac

    order = lock_orders([order_id]).get(order_id) if lock else db.session.get(Order, order_id)
    if order is None or not hmac.compare_digest(status_key(order), (key or "").lower()):
        raise NotFound("order not found")
    return order
