"""The coverage aggregator every report builds on: figures of a group of orders, counted in SQL, and the
scope, period and reference-data helpers the reports share."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, or_

from app.accounts.access import (
    authorize,
    scope_station_ids,
    subtree_ids,
)
from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.core.timeutil import local_midnight, to_local, utcnow
from app.extensions import db
from app.menu.models import MenuItem, PracticePriority
from app.orders.models import Order, OrderEvent, Rating
from app.stations.models import Station

SERVED_STATUSES = ("completed", "rated")
COLOUR_CLASSES = ("none", "low", "medium", "high")
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Figures:
    """The coverage figures of one group of orders."""

    orders: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0
    fulfilment: float | None = None
    median_accept_minutes: float | None = None
    median_serve_minutes: float | None = None
    avg_rating: float | None = None
    ratings: int = 0

    def pick(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The named figures by name, to build a snapshot row or a week's trend from."""
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True)
class PriorityRef:
    """A practice priority as reports name it."""

    id: int
    code: str
    name_zh: str
    name_en: str


@dataclass
class Tally:
    """Counts and raw durations of a group, mergeable, turned into Figures at the end."""

    orders: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0
    ratings: int = 0
    stars: int = 0
    accept: list[float] = field(default_factory=list, kw_only=True)
    serve: list[float] = field(default_factory=list, kw_only=True)

    def merge(self, other: Tally) -> None:
        """Add another group's counts and durations to this one."""
        self.orders += other.orders
        self.served += other.served
        self.cancelled += other.cancelled
        self.expired += other.expired
        self.ratings += other.ratings
        self.stars += other.stars
        self.accept.extend(other.accept)
        self.serve.extend(other.serve)

    def figures(self) -> Figures:
        """The group's figures."""
        return Figures(
            orders=self.orders,
            served=self.served,
            cancelled=self.cancelled,
            expired=self.expired,
            open=self.orders - self.served - self.cancelled - self.expired,
            fulfilment=fulfilment(served=self.served, orders=self.orders, cancelled=self.cancelled),
            median_accept_minutes=median(self.accept),
            median_serve_minutes=median(self.serve),
            avg_rating=round(self.stars / self.ratings, 2) if self.ratings else None,
            ratings=self.ratings,
        )


def fulfilment(*, served: int, orders: int, cancelled: int) -> float | None:
    """served / (orders - cancelled), rounded to 4 places; None when no order is left."""
    base = orders - cancelled
    return round(served / base, 4) if base > 0 else None


def colour_class(value: float | None) -> str:
    """The map colour class of a fulfilment: none (no orders), low, medium or high."""
    if value is None:
        return "none"
    if value >= current_app.config["COVERAGE_GOOD_FULFILMENT"]:
        return "high"
    if value < current_app.config["COVERAGE_POOR_FULFILMENT"]:
        return "low"
    return "medium"


def median(values: list[float]) -> float | None:
    """The median rounded to a tenth, or None for no values."""
    return round(statistics.median(values), 1) if values else None


def minutes_between(start: datetime, end: datetime) -> float:
    """Minutes from start to end, never negative."""
    # Clock skew between kiosks and the server can put an answer a moment before the order; never negative.
    return max(0.0, (end - start).total_seconds() / 60)


def collect(*, keys: Sequence[SQLColumnExpression[Any]], conds: Sequence[ColumnElement[bool]]) -> dict[tuple, Tally]:
    """Figures of orders matching conds, grouped by keys: counts in SQL, durations fetched for medians."""
    first_accept = (
        db.select(OrderEvent.order_id.label("order_id"), func.min(OrderEvent.at).label("at"))
        .join(Order, Order.id == OrderEvent.order_id)
        .join(MenuItem, MenuItem.id == Order.menu_item_id)
        .where(OrderEvent.kind == "accepted", *conds)
        .group_by(OrderEvent.order_id)
        .subquery()
    )
    # Keys go through a subquery so that grouping by an expression with bound values works on PostgreSQL too.
    base = (
        db.select(
            *[key.label(f"k{i}") for i, key in enumerate(keys)],
            Order.status.label("status"),
            Order.created_at.label("created_at"),
            func.coalesce(Order.accepted_at, first_accept.c.at).label("accepted_at"),
            Order.completed_at.label("completed_at"),
            Rating.stars.label("stars"),
        )
        .join(MenuItem, MenuItem.id == Order.menu_item_id)
        .outerjoin(Rating, Rating.order_id == Order.id)
        .outerjoin(first_accept, first_accept.c.order_id == Order.id)
        .where(*conds)
        .subquery()
    )
    key_cols = [base.c[f"k{i}"] for i in range(len(keys))]

    def count_if(*statuses: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((base.c.status.in_(statuses), 1), else_=0)), 0)

    counts = db.session.execute(
        db.select(
            *key_cols,
            func.count(),
            count_if(*SERVED_STATUSES),
            count_if("cancelled"),
            count_if("expired"),
            func.count(base.c.stars),
            func.coalesce(func.sum(base.c.stars), 0),
        ).group_by(*key_cols)
    ).all()
    accs: dict[tuple, Tally] = {}
    width = len(keys)
    for row in counts:
        accs[tuple(row[:width])] = Tally(*[int(v) for v in row[width:]])

    durations = db.session.execute(
        db.select(*key_cols, base.c.status, base.c.created_at, base.c.accepted_at, base.c.completed_at).where(
            or_(base.c.accepted_at.is_not(None), base.c.completed_at.is_not(None))
        )
    ).all()
    for row in durations:
        acc = accs[tuple(row[:width])]
        status, created_at, accepted_at, completed_at = row[width:]
        if accepted_at is not None:
            acc.accept.append(minutes_between(created_at, accepted_at))
        if completed_at is not None and status in SERVED_STATUSES:
            acc.serve.append(minutes_between(created_at, completed_at))
    return accs


def staff_scope(user: User, station_id: int | None) -> set[int] | None:
    """Station ids the report covers (None = everywhere), after the role and scope checks."""
    authorize(user, "coverage.see")
    ids = scope_station_ids(user)
    if station_id is None:
        return ids
    if db.session.get(Station, station_id) is None:
        raise NotFound("station not found", field="station_id")
    authorize(user, "coverage.see", station_id, field="station_id")
    below = subtree_ids(station_id)
    return below if ids is None else below & ids


def check_period(start: date, end: date) -> None:
    """Refuse (422) a period that ends before it starts or is too long."""
    if end < start:
        raise ValidationFailed("end must not be before start", field="end")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed("period is longer than %(n)s days", field="start", params={"n": MAX_PERIOD_DAYS})


def period_conds(column: Any, start: date, end: date) -> list[ColumnElement[bool]]:
    """The column falls within the local days start to end, both included."""
    return [column >= local_midnight(start), column < local_midnight(end + timedelta(days=1))]


def scope_conds(ids: set[int] | None) -> list[ColumnElement[bool]]:
    """The order's station lies in the scope (None: everywhere)."""
    return [] if ids is None else [Order.station_id.in_(ids)]


def local_today() -> date:
    """Today in Asia/Shanghai."""
    return to_local(utcnow()).date()


def practice_priorities() -> list[PriorityRef]:
    """The five practice priorities in menu order."""
    rows = db.session.scalars(db.select(PracticePriority).order_by(PracticePriority.sort_order, PracticePriority.id))
    return [PriorityRef(id=p.id, code=p.code, name_zh=p.name_zh, name_en=p.name_en) for p in rows]


def priority_by_code(code: str | None) -> PriorityRef | None:
    """The priority with this code (None for no code); 422 for an unknown one."""
    if code is None:
        return None
    for ref in practice_priorities():
        if ref.code == code:
            return ref
    raise ValidationFailed("unknown practice priority %(code)s", field="priority", params={"code": code})


def stations_in(ids: set[int] | None, with_orders: Iterable[int] = ()) -> list[Station]:
    """Active stations in scope, plus the inactive ones that still have orders in the figures."""
    query = db.select(Station).where(or_(Station.active.is_(True), Station.id.in_(set(with_orders))))
    if ids is not None:
        query = query.where(Station.id.in_(ids))
    return list(db.session.scalars(query.order_by(Station.code)))
