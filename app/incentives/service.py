"""Incentives (激励): the hours ledger, points by versioned rules, balances, the points shop, rankings.

Rules:
- Hours: when an order is completed, each crew member's checked-out service record becomes one ``service``
  line of the hours ledger (minutes, the order's station, the volunteer's team then, the check-in time).
  Lines are never edited or deleted; staff correct with a ``correction`` line (signed minutes) that names the
  line it corrects. A correction may not take that line's net minutes below zero.
- Points: a service line earns ``round(minutes x points_per_hour / 60) + priority_bonus x max(0, priority - 3)``
  under the rule version in force when the line is written; a rating of at least ``rating_bonus_min_stars``
  earns ``rating_bonus`` for each crew member with hours on the order; a correction earns its minutes at the
  per-hour rate of the rule the corrected line used. A new rule version never changes past entries.
- Balance: one row per volunteer, changed only by a guarded ``UPDATE ... SET points = points + d WHERE
  points + d >= 0`` (and a CHECK points >= 0 behind it): a spend or correction that would go negative is
  refused (409), whatever runs at the same time.
- Shop: station staff keep the stock of their stations' items; a redemption takes one off the stock with a
  guarded UPDATE (CHECK stock >= 0 behind it) and spends the points in the same transaction; cancelling a
  redemption not yet handed over puts the item back and refunds the points (a ``refund`` line).
- Rankings: per local calendar month, earned points (service, rating bonus, corrections) and hours, by
  volunteer, by team (as recorded on the line) and by the station where the service was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, func, insert, update
from sqlalchemy.exc import IntegrityError

from app.accounts.access import (
    allowed,
    authorize,
    county_of,
    home_county_id,
    in_scope,
    is_admin,
    scope_station_ids,
    subtree_ids,
    within_scope,
)
from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, NotFound, OutOfScope, ValidationFailed
from app.core.statements import rows_changed
from app.core.timeutil import local_midnight, utcnow
from app.extensions import db
from app.incentives.models import (
    EARNED_KINDS,
    HoursEntry,
    PointsBalance,
    PointsEntry,
    PointsRule,
    Redemption,
    ShopItem,
)
from app.orders.models import Order, OrderEvent
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer

SERVED_STATUSES = ("completed", "rated")
# How many version numbers a new rule tries when other rules are being put in force at the same moment.
RULE_VERSION_ATTEMPTS = 100
# The first rule's stored note; pages show it in the reader's language (rule_note_shown).
INITIAL_RULE_NOTE = "初始规则（来自配置）"
# The reason on a ledger line written because a lead approved other check-in/out times.
APPROVED_CORRECTION_REASON = "核时更正已批准 (time correction approved)"


class InsufficientPoints(InvalidTransition):
    """A spend or correction that would take a balance below zero."""

    code = "insufficient_points"


class OutOfStock(InvalidTransition):
    """A redemption of an item with no stock left."""

    code = "out_of_stock"


# ---------------------------------------------------------------------------------------------------------------
# Rules


def current_rule(*, at: datetime | None = None, county_id: int | None = None) -> PointsRule:
    """The rule in force at a moment for a county: its own newest version in force, else the shared default's;
    version 1 (shared) is made from the config the first time."""
    moment = at or utcnow()
    in_force = db.select(PointsRule).where(PointsRule.effective_from <= moment).order_by(PointsRule.version.desc())
    if county_id is not None:
        own = db.session.scalar(in_force.where(PointsRule.county_id == county_id))
        if own is not None:
            return own
    rule = db.session.scalar(in_force.where(PointsRule.county_id.is_(None)))
    if rule is not None:
        return rule
    first = db.session.scalar(db.select(PointsRule).where(PointsRule.county_id.is_(None)).order_by(PointsRule.version))
    if first is not None:
        return first
    config = current_app.config
    try:
        # Two first completions at once both find no rule: one makes version 1, the other takes it.
        with db.session.begin_nested():
            db.session.execute(
                insert(PointsRule).values(
                    version=1,
                    points_per_hour=config["POINTS_PER_HOUR"],
                    rating_bonus=config["POINTS_FIVE_STAR_BONUS"],
                    rating_bonus_min_stars=5,
                    priority_bonus=config.get("POINTS_PRIORITY_BONUS", 0),
                    effective_from=datetime(2000, 1, 1, tzinfo=moment.tzinfo),
                    note=INITIAL_RULE_NOTE,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        pass  # the other request's version 1 is committed; read it below
    return db.session.scalars(db.select(PointsRule).where(PointsRule.version == 1)).one()


def _county_named(code: str | None) -> Station | None:
    """The county centre with a code (404 naming the field when there is none); None when no code is given."""
    if code is None:
        return None
    county = db.session.scalar(db.select(Station).where(Station.code == code, Station.level == "county"))
    if county is None:
        raise NotFound("county not found", field="county")
    return county


def _county_for(user: User, code: str | None) -> Station | None:
    """The county a rules or rankings request is about: the one named if the user may see it (404 otherwise),
    else the user's own; None for an admin who names none."""
    county = _county_named(code)
    if county is not None:
        if not is_admin(user) and home_county_id(user) != county.id:
            raise OutOfScope("county not found in your scope", field="county")
        return county
    home = home_county_id(user)
    return None if home is None else db.session.get(Station, home)


def list_rules(*, user: User, county: str | None = None) -> list[PointsRule]:
    """Rule versions newest first: the shared default's and the county's (the caller's own, or the one an admin
    names; every county's for an admin who names none)."""
    current_rule()
    chosen = _county_for(user, county)
    query = db.select(PointsRule).order_by(PointsRule.version.desc())
    if chosen is not None:
        query = query.where((PointsRule.county_id.is_(None)) | (PointsRule.county_id == chosen.id))
    elif not is_admin(user):
        query = query.where(PointsRule.county_id.is_(None))
    return list(db.session.scalars(query))


def create_rule(
    *,
    user: User,
    points_per_hour: int,
    rating_bonus: int,
    rating_bonus_min_stars: int = 5,
    priority_bonus: int = 0,
    effective_from: datetime | None = None,
    note: str = "",
    county: str | None = None,
) -> PointsRule:
    """A new rule version for a county (its county staff, or an admin), or for the shared default (an admin, naming
    no county); it applies to entries written from effective_from on."""
    authorize(user, "incentives.rule.edit")
    chosen = _county_for(user, county)
    if chosen is None:
        if not allowed(user, "incentives.rule.shared.edit"):
            raise Forbidden("only an admin may change the shared points rule")
    else:
        # County staff over a township only do not speak for the whole county.
        authorize(user, "incentives.rule.edit", chosen.id, field="county")
    now = utcnow()
    effective = effective_from or now
    if effective < now - timedelta(minutes=1):
        raise ValidationFailed("a new rule cannot start in the past (past points never change)", field="effective_from")
    current_rule()  # version 1, so that the new one is numbered after it
    # Version numbers are shared by every county's rules: two counties putting a rule in force at once would take
    # the same number, so the loser takes the next one (its savepoint undone) instead of failing.
    for _attempt in range(RULE_VERSION_ATTEMPTS):
        newest = db.session.scalar(db.select(func.max(PointsRule.version))) or 0
        rule = PointsRule(
            version=newest + 1,
            county_id=chosen.id if chosen is not None else None,
            points_per_hour=points_per_hour,
            rating_bonus=rating_bonus,
            rating_bonus_min_stars=rating_bonus_min_stars,
            priority_bonus=priority_bonus,
            effective_from=effective,
            note=note,
            created_by_id=user.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(rule)
                db.session.flush()
        except IntegrityError:
            continue
        return rule
    raise InvalidTransition("too many points rules at once; try again", field="version")


def service_points(rule: PointsRule, *, minutes: int, priority: int) -> int:
    """Points one crew member earns for minutes served on an order of a priority, under a rule."""
    return round(minutes * rule.points_per_hour / 60) + rule.priority_bonus * max(0, priority - 3)


# ---------------------------------------------------------------------------------------------------------------
# Balances


def _change_balance(volunteer_id: int, delta: int) -> None:
    """Add delta to a balance in one guarded UPDATE; refuse (409) when it would go below zero."""
    exists = db.session.scalar(db.select(PointsBalance.volunteer_id).where(PointsBalance.volunteer_id == volunteer_id))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(PointsBalance).values(volunteer_id=volunteer_id, points=0, updated_at=utcnow())
                )
        except IntegrityError:
            pass  # someone else made the row at the same moment: use theirs
    result = rows_changed(
        update(PointsBalance)
        .where(PointsBalance.volunteer_id == volunteer_id, PointsBalance.points + delta >= 0)
        .values(points=PointsBalance.points + delta, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result != 1:
        raise InsufficientPoints("not enough points", field="points")


def _post_points(
    *,
    volunteer_id: int,
    kind: str,
    points: int,
    source_key: str,
    earned_at: datetime,
    rule: PointsRule | None = None,
    hours_entry: HoursEntry | None = None,
    order_id: int | None = None,
    redemption: Redemption | None = None,
    team_id: int | None = None,
    station_id: int | None = None,
    note: str = "",
) -> PointsEntry | None:
    """Write one points line and move the balance with it; None when that source was already paid."""
    if db.session.scalar(db.select(PointsEntry.id).where(PointsEntry.source_key == source_key)) is not None:
        return None
    entry = PointsEntry(
        volunteer_id=volunteer_id,
        kind=kind,
        points=points,
        source_key=source_key,
        rule=rule,
        hours_entry_id=hours_entry.id if hours_entry is not None else None,
        order_id=order_id,
        redemption_id=redemption.id if redemption is not None else None,
        team_id=team_id,
        station_id=station_id,
        earned_at=earned_at,
        note=note,
    )
    db.session.add(entry)
    if points:
        _change_balance(volunteer_id, points)
    db.session.flush()
    return entry


def balance_of(volunteer_id: int) -> int:
    """A volunteer's spendable points."""
    return db.session.scalar(db.select(PointsBalance.points).where(PointsBalance.volunteer_id == volunteer_id)) or 0


# ---------------------------------------------------------------------------------------------------------------
# Ledger writers (called from order events; safe to call twice)


def record_service(order: Order) -> list[HoursEntry]:
    """Hours and points lines for each checked-out crew member of a completed order (once per record)."""
    if order.status not in SERVED_STATUSES:
        return []
    # The rule in force when the order was completed (the same moment in live use; history loads differ).
    rule = current_rule(at=order.completed_at, county_id=county_of(order.station_id))
    written: list[HoursEntry] = []
    for record in order.service_records:
        if not record.minutes or record.check_out_at is None:
            continue
        seen = db.session.scalar(db.select(HoursEntry.id).where(HoursEntry.service_record_id == record.id))
        if seen is not None:
            continue
        volunteer = record.volunteer
        line = HoursEntry(
            volunteer_id=record.volunteer_id,
            kind="service",
            minutes=record.minutes,
            order_id=order.id,
            service_record_id=record.id,
            team_id=volunteer.team_id,
            station_id=order.station_id,
            served_at=record.check_in_at,
            activity=order.menu_item.title,
            recorded_by_id=record.recorded_by_id,
        )
        db.session.add(line)
        db.session.flush()
        _post_points(
            volunteer_id=record.volunteer_id,
            kind="service",
            points=service_points(rule, minutes=record.minutes, priority=order.priority),
            source_key=f"hours:{line.id}",
            earned_at=record.check_in_at,
            rule=rule,
            hours_entry=line,
            order_id=order.id,
            team_id=line.team_id,
            station_id=order.station_id,
        )
        written.append(line)
    return written


def record_rating(order: Order) -> list[PointsEntry]:
    """The rating bonus for each crew member with hours on a rated order, when the stars reach the rule."""
    if order.rating is None:
        return []
    record_service(order)
    rule = current_rule(at=order.rating.created_at, county_id=county_of(order.station_id))
    if order.rating.stars < rule.rating_bonus_min_stars or rule.rating_bonus <= 0:
        return []
    net = db.session.execute(
        db.select(HoursEntry.volunteer_id, func.sum(HoursEntry.minutes), func.min(HoursEntry.served_at))
        .where(HoursEntry.order_id == order.id)
        .group_by(HoursEntry.volunteer_id)
    ).all()
    paid: list[PointsEntry] = []
    for volunteer_id, minutes, served_at in net:
        if not minutes or minutes <= 0:
            continue
        team_id = db.session.scalar(
            db.select(HoursEntry.team_id).where(
                HoursEntry.order_id == order.id, HoursEntry.volunteer_id == volunteer_id
            )
        )
        entry = _post_points(
            volunteer_id=volunteer_id,
            kind="rating_bonus",
            points=rule.rating_bonus,
            source_key=f"rating:{order.id}:{volunteer_id}",
            earned_at=served_at,
            rule=rule,
            order_id=order.id,
            team_id=team_id,
            station_id=order.station_id,
            note=f"{order.rating.stars}★",
        )
        if entry is not None:
            paid.append(entry)
    return paid


def _volunteer_in_scope(user: User, volunteer_id: int, *, field: str = "volunteer_id") -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound("volunteer not found", field=field)
    if allowed(user, "incentives.ledger.see"):
        if not in_scope(user, "incentives.ledger.see", volunteer.station_id):
            raise NotFound("volunteer not found", field=field)
        return volunteer
    if volunteer.user_id != user.id:
        raise NotFound("volunteer not found", field=field)
    return volunteer


def _net_minutes(original: HoursEntry) -> int:
    already = db.session.scalar(
        db.select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(HoursEntry.corrects_id == original.id)
    )
    return original.minutes + int(already)


def correct_hours(*, user: User, entry_id: int, minutes: int, reason: str) -> HoursEntry:
    """Staff append a correction (signed minutes) to a service line; points follow at that line's rule."""
    authorize(user, "incentives.hours.correct")
    original = db.session.get(HoursEntry, entry_id)
    if (
        original is None
        or original.kind != "service"
        or not in_scope(user, "incentives.hours.correct", original.station_id)
    ):
        raise NotFound("hours entry not found", field="entry_id")
    if minutes == 0:
        raise ValidationFailed("a correction changes the minutes", field="minutes")
    if not reason.strip():
        raise ValidationFailed("say why", field="reason")
    if _net_minutes(original) + minutes < 0:
        raise ValidationFailed("a correction cannot take the hours below zero", field="minutes")
    return _append_correction(original, minutes=minutes, reason=reason.strip(), recorded_by_id=user.id)


def record_approved_correction(order: Order, event: OrderEvent) -> HoursEntry | None:
    """A time correction approved after its hours reached the ledger appends the difference as a correction line."""
    record_id = (event.data or {}).get("record_id")
    original = (
        db.session.scalar(db.select(HoursEntry).where(HoursEntry.service_record_id == record_id))
        if record_id is not None
        else None
    )
    if original is None:
        # Not in the ledger yet: the service line, written now, takes the corrected minutes.
        record_service(order)
        return None
    before = event.data.get("previous_minutes") or 0
    after = event.data.get("minutes") or 0
    # Never below zero net, even when staff corrected the line by hand in between.
    delta = max(after - before, -_net_minutes(original))
    if delta == 0:
        return None
    return _append_correction(original, minutes=delta, reason=APPROVED_CORRECTION_REASON, recorded_by_id=event.actor_id)


def _append_correction(original: HoursEntry, *, minutes: int, reason: str, recorded_by_id: int | None) -> HoursEntry:
    line = HoursEntry(
        volunteer_id=original.volunteer_id,
        kind="correction",
        minutes=minutes,
        order_id=original.order_id,
        corrects_id=original.id,
        team_id=original.team_id,
        station_id=original.station_id,
        served_at=original.served_at,
        activity=original.activity,
        reason=reason,
        recorded_by_id=recorded_by_id,
    )
    db.session.add(line)
    db.session.flush()
    paid = db.session.scalar(db.select(PointsEntry).where(PointsEntry.source_key == f"hours:{original.id}"))
    rule = (
        paid.rule
        if paid is not None and paid.rule is not None
        else current_rule(at=original.created_at, county_id=county_of(original.station_id))
    )
    _post_points(
        volunteer_id=original.volunteer_id,
        kind="correction",
        points=round(minutes * rule.points_per_hour / 60),
        source_key=f"hours:{line.id}",
        earned_at=original.served_at,
        rule=rule,
        hours_entry=line,
        order_id=original.order_id,
        team_id=original.team_id,
        station_id=original.station_id,
        note=reason[:200],
    )
    return line


def hours_entries(
    *, user: User, volunteer_id: int, start: date | None = None, end: date | None = None
) -> list[HoursEntry]:
    """A volunteer's hours lines (their own, or staff in scope), oldest first."""
    volunteer = _volunteer_in_scope(user, volunteer_id)
    conds = [HoursEntry.volunteer_id == volunteer.id, *_period(HoursEntry.served_at, start, end)]
    return list(db.session.scalars(db.select(HoursEntry).where(*conds).order_by(HoursEntry.served_at, HoursEntry.id)))


def points_entries(*, user: User, volunteer_id: int, limit: int = 200) -> list[PointsEntry]:
    """A volunteer's points lines, newest first."""
    volunteer = _volunteer_in_scope(user, volunteer_id)
    return list(
        db.session.scalars(
            db.select(PointsEntry)
            .where(PointsEntry.volunteer_id == volunteer.id)
            .order_by(PointsEntry.earned_at.desc(), PointsEntry.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Account:
    """A volunteer's standing: spendable balance, points earned in all, hours in all."""

    volunteer_id: int
    balance: int
    earned: int
    minutes: int

    @property
    def hours(self) -> float:
        """Hours served, to one decimal."""
        return round(self.minutes / 60, 1)


def account(*, user: User, volunteer_id: int) -> Account:
    """Balance, earned points and hours of one volunteer (their own, or staff in scope)."""
    return account_of(_volunteer_in_scope(user, volunteer_id).id)


def account_of(volunteer_id: int) -> Account:
    """Balance, earned points and hours of a volunteer the caller has already been allowed to see."""
    earned = db.session.scalar(
        db.select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.volunteer_id == volunteer_id, PointsEntry.kind.in_(EARNED_KINDS)
        )
    )
    minutes = db.session.scalar(
        db.select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(HoursEntry.volunteer_id == volunteer_id)
    )
    return Account(
        volunteer_id=volunteer_id, balance=balance_of(volunteer_id), earned=int(earned), minutes=int(minutes)
    )


def earned_points(
    *, volunteer_ids: list[int], start: date, end: date, station_ids: set[int] | None = None
) -> dict[int, int]:
    """Points earned per volunteer for service in local days start..end, at the given stations (None: all)."""
    if not volunteer_ids:
        return {}
    conds = [PointsEntry.volunteer_id.in_(volunteer_ids), PointsEntry.kind.in_(EARNED_KINDS)]
    if station_ids is not None:
        conds.append(PointsEntry.station_id.in_(station_ids))
    rows = db.session.execute(
        db.select(PointsEntry.volunteer_id, func.sum(PointsEntry.points))
        .where(*conds, *_period(PointsEntry.earned_at, start, end))
        .group_by(PointsEntry.volunteer_id)
    ).all()
    return {vid: int(points) for vid, points in rows}


def _period(column, start: date | None, end: date | None) -> list:  # noqa: ANN001
    conds = []
    if start is not None:
        conds.append(column >= local_midnight(start))
    if end is not None:
        conds.append(column < local_midnight(end + timedelta(days=1)))
    return conds


# ---------------------------------------------------------------------------------------------------------------
# The points shop (爱心超市)


def _item_for_staff(user: User, item_id: int) -> ShopItem:
    authorize(user, "incentives.shop.manage")
    item = db.session.get(ShopItem, item_id)
    if item is None or not in_scope(user, "incentives.shop.manage", item.station_id):
        raise NotFound("shop item not found", field="item_id")
    return item


def list_items(*, user: User, station_id: int | None = None, include_inactive: bool = False) -> list[ShopItem]:
    """Shop items: staff see their scope's; volunteers see those at stations above and at their home station."""
    query = db.select(ShopItem).order_by(ShopItem.station_id, ShopItem.points_cost, ShopItem.id)
    if allowed(user, "incentives.shop.manage"):
        query = within_scope(query, user, ShopItem.station_id)
    else:
        query = query.where(ShopItem.station_id.in_(_shop_stations_for(user)))
        include_inactive = False
    if station_id is not None:
        query = query.where(ShopItem.station_id == station_id)
    if not include_inactive:
        query = query.where(ShopItem.active.is_(True))
    return list(db.session.scalars(query))


def _shop_stations_for(user: User) -> set[int]:
    """A volunteer may shop at their home station and every station above it."""
    volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))
    if volunteer is None:
        return set()
    found: set[int] = set()
    station = volunteer.station
    while station is not None and station.id not in found:
        found.add(station.id)
        station = station.parent
    return found


def create_item(
    *, user: User, station_id: int, name: str, points_cost: int, stock: int = 0, description: str = ""
) -> ShopItem:
    """Station staff add an item to a shop in their scope."""
    authorize(user, "incentives.shop.manage")
    if db.session.get(Station, station_id) is None or not in_scope(user, "incentives.shop.manage", station_id):
        raise NotFound("station not found in your scope", field="station_id")
    name = name.strip()
    if not name:
        raise ValidationFailed("name the item", field="name")
    if points_cost <= 0:
        raise ValidationFailed("an item costs at least one point", field="points_cost")
    if stock < 0:
        raise ValidationFailed("stock cannot be negative", field="stock")
    if db.session.scalar(db.select(ShopItem.id).where(ShopItem.station_id == station_id, ShopItem.name == name)):
        raise InvalidTransition("this shop already has an item of that name", field="name")
    item = ShopItem(station_id=station_id, name=name, points_cost=points_cost, stock=stock, description=description)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(
    *,
    user: User,
    item_id: int,
    add_stock: int | None = None,
    points_cost: int | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> ShopItem:
    """Staff restock (or take stock off), reprice, retire or describe an item; stock never goes below zero."""
    item = _item_for_staff(user, item_id)
    if add_stock:
        result = rows_changed(
            update(ShopItem)
            .where(ShopItem.id == item.id, ShopItem.stock + add_stock >= 0)
            .values(stock=ShopItem.stock + add_stock)
            .execution_options(synchronize_session=False)
        )
        if result != 1:
            raise ValidationFailed("stock cannot go below zero", field="add_stock")
    if points_cost is not None:
        if points_cost <= 0:
            raise ValidationFailed("an item costs at least one point", field="points_cost")
        item.points_cost = points_cost
    if active is not None:
        item.active = active
    if description is not None:
        item.description = description
    db.session.flush()
    db.session.refresh(item)
    return item


def redeem(*, user: User, item_id: int, volunteer_id: int | None = None) -> Redemption:
    """Exchange points for one item: the stock and the balance move together or not at all."""
    if allowed(user, "incentives.shop.manage"):
        if volunteer_id is None:
            raise ValidationFailed("say which volunteer", field="volunteer_id")
        volunteer = _volunteer_in_scope(user, volunteer_id)
        item = _item_for_staff(user, item_id)
    else:
        volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))
        if volunteer is None:
            raise Forbidden("only volunteers redeem points")
        if volunteer_id is not None and volunteer_id != volunteer.id:
            raise NotFound("volunteer not found", field="volunteer_id")
        shop_item = db.session.get(ShopItem, item_id)
        if shop_item is None or shop_item.station_id not in _shop_stations_for(user):
            raise NotFound("shop item not found", field="item_id")
        item = shop_item
    if not item.active:
        raise InvalidTransition("this item is no longer offered", field="item_id")
    taken = rows_changed(
        update(ShopItem)
        .where(ShopItem.id == item.id, ShopItem.stock >= 1, ShopItem.active.is_(True))
        .values(stock=ShopItem.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if taken != 1:
        raise OutOfStock("this item is out of stock", field="item_id")
    cost = db.session.scalar(db.select(ShopItem.points_cost).where(ShopItem.id == item.id))
    redemption = Redemption(item_id=item.id, volunteer_id=volunteer.id, points=cost, requested_by_id=user.id)
    db.session.add(redemption)
    db.session.flush()
    _post_points(
        volunteer_id=volunteer.id,
        kind="redemption",
        points=-cost,
        source_key=f"redeem:{redemption.id}",
        earned_at=utcnow(),
        redemption=redemption,
        station_id=item.station_id,
        note=item.name[:200],
    )
    return redemption


def list_redemptions(*, user: User, station_id: int | None = None, limit: int = 200) -> list[Redemption]:
    """Redemptions: staff see their scope's shops, volunteers their own; newest first."""
    query = db.select(Redemption).join(ShopItem, ShopItem.id == Redemption.item_id).order_by(Redemption.id.desc())
    if allowed(user, "incentives.shop.manage"):
        query = within_scope(query, user, ShopItem.station_id)
    else:
        volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))
        query = query.where(Redemption.volunteer_id == (volunteer.id if volunteer is not None else -1))
    if station_id is not None:
        query = query.where(ShopItem.station_id == station_id)
    return list(db.session.scalars(query.limit(limit)))


def _redemption_for_staff(user: User, redemption_id: int) -> Redemption:
    authorize(user, "incentives.shop.manage")
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or not in_scope(user, "incentives.shop.manage", redemption.item.station_id):
        raise NotFound("redemption not found", field="redemption_id")
    return redemption


def hand_over(*, user: User, redemption_id: int) -> Redemption:
    """Staff record that the volunteer took the item home."""
    redemption = _redemption_for_staff(user, redemption_id)
    if redemption.status != "redeemed":
        raise InvalidTransition(
            "a redemption that is %(redemption_state)s cannot be handed over",
            field="status",
            params={"redemption_state": redemption.status},
        )
    redemption.status = "handed_over"
    redemption.handled_by_id = user.id
    redemption.handled_at = utcnow()
    db.session.flush()
    return redemption


def cancel_redemption(*, user: User, redemption_id: int) -> Redemption:
    """Staff cancel a redemption not yet handed over: the item goes back on the shelf, the points back."""
    redemption = _redemption_for_staff(user, redemption_id)
    claimed = rows_changed(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == "redeemed")
        .values(status="cancelled", handled_by_id=user.id, handled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise InvalidTransition("only a redemption not yet handed over can be cancelled", field="status")
    db.session.execute(
        update(ShopItem)
        .where(ShopItem.id == redemption.item_id)
        .values(stock=ShopItem.stock + 1)
        .execution_options(synchronize_session=False)
    )
    _post_points(
        volunteer_id=redemption.volunteer_id,
        kind="refund",
        points=redemption.points,
        source_key=f"refund:{redemption.id}",
        earned_at=utcnow(),
        redemption=redemption,
        station_id=redemption.item.station_id,
    )
    db.session.refresh(redemption)
    return redemption


# ---------------------------------------------------------------------------------------------------------------
# Monthly rankings


@dataclass(frozen=True)
class RankingRow:
    """One place in a monthly ranking."""

    rank: int
    id: int
    code: str
    name: str
    points: int
    hours: float
    volunteers: int | None = None


RANKING_KINDS = ("volunteers", "teams", "stations")


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last local day of a month written YYYY-MM (422 otherwise)."""
    try:
        year_s, month_s = month.split("-")
        first = date(int(year_s), int(month_s), 1)
    except (ValueError, TypeError):
        raise ValidationFailed("write the month as YYYY-MM", field="month") from None
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def counties_to_choose(user: User) -> list[Station]:
    """The counties an admin may pick a ranking or rule of (everyone else has their own only)."""
    if not is_admin(user):
        return []
    return list(db.session.scalars(db.select(Station).where(Station.level == "county").order_by(Station.code)))


def ranking_county(*, user: User, county: str | None = None) -> Station | None:
    """The county a ranking is of: the caller's own (another is 404), or the one an admin names (default the
    first by code); None when the caller has no county."""
    chosen = _county_for(user, county)
    if chosen is None and is_admin(user):
        chosen = db.session.scalar(db.select(Station).where(Station.level == "county").order_by(Station.code))
    return chosen


def ranking(
    *, user: User, month: str, kind: str = "volunteers", limit: int = 50, county: str | None = None
) -> list[RankingRow]:
    """A month's ranking by earned points then hours, of service given in one county (the caller's own; an admin
    names one): staff see their scope within it, volunteers and leads the whole county."""
    if kind not in RANKING_KINDS:
        raise ValidationFailed("kind is volunteers, teams or stations", field="kind")
    start, end = month_bounds(month)
    chosen = ranking_county(user=user, county=county)
    if chosen is None:
        return []
    ids = subtree_ids(chosen.id)
    if allowed(user, "incentives.names.see") and not is_admin(user):
        # Staff see names unmasked: only within their own scope.
        ids = ids & (scope_station_ids(user) or set())
    column = {
        "volunteers": PointsEntry.volunteer_id,
        "teams": PointsEntry.team_id,
        "stations": PointsEntry.station_id,
    }[kind]
    hours_column = {
        "volunteers": HoursEntry.volunteer_id,
        "teams": HoursEntry.team_id,
        "stations": HoursEntry.station_id,
    }[kind]
    points_conds = [
        PointsEntry.kind.in_(EARNED_KINDS),
        column.is_not(None),
        *_period(PointsEntry.earned_at, start, end),
    ]
    hours_conds = [hours_column.is_not(None), *_period(HoursEntry.served_at, start, end)]
    points_conds.append(PointsEntry.station_id.in_(ids))
    hours_conds.append(HoursEntry.station_id.in_(ids))
    points: dict[int, int] = dict(
        db.session.execute(db.select(column, func.sum(PointsEntry.points)).where(*points_conds).group_by(column))
        .tuples()
        .all()
    )
    minutes: dict[int, int] = dict(
        db.session.execute(
            db.select(hours_column, func.sum(HoursEntry.minutes)).where(*hours_conds).group_by(hours_column)
        )
        .tuples()
        .all()
    )
    people: dict[int, int] = dict(
        db.session.execute(
            db.select(hours_column, func.count(func.distinct(HoursEntry.volunteer_id)))
            .where(*hours_conds)
            .group_by(hours_column)
        )
        .tuples()
        .all()
    )
    keys = set(points) | set(minutes)
    models: dict[str, type[Volunteer | Team | Station]] = {"volunteers": Volunteer, "teams": Team, "stations": Station}
    model = models[kind]
    named = {row.id: row for row in db.session.scalars(db.select(model).where(model.id.in_(keys)))} if keys else {}
    order = sorted(keys, key=lambda k: (-int(points.get(k) or 0), -int(minutes.get(k) or 0), named[k].code))
    rows: list[RankingRow] = []
    masked = kind == "volunteers" and not allowed(user, "incentives.names.see")
    for place, key in enumerate(order[:limit], start=1):
        thing = named[key]
        rows.append(
            RankingRow(
                rank=place,
                id=key,
                code=thing.code,
                name=mask_name(thing.name) if masked else thing.name,
                points=int(points.get(key) or 0),
                hours=round(int(minutes.get(key) or 0) / 60, 1),
                volunteers=None if kind == "volunteers" else int(people.get(key) or 0),
            )
        )
    return rows


def mask_name(name: str) -> str:
    """A person's name with all but the first character hidden (马秀英 -> 马**)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else name


def current_month() -> str:
    """This local month as YYYY-MM."""
    from app.core.timeutil import to_local

    return to_local(utcnow()).strftime("%Y-%m")


# ---------------------------------------------------------------------------------------------------------------
# Service certificate (志愿服务证明) and subsidy report


@dataclass(frozen=True)
class CertificateLine:
    """One activity on a certificate: the local day, what, where, net minutes."""

    day: date
    activity: str
    station: str
    minutes: int


@dataclass(frozen=True)
class Certificate:
    """What a service certificate says: who, the period, hours and activities."""

    volunteer_code: str
    volunteer_name: str
    team_name: str | None
    start: date
    end: date
    minutes: int
    lines: list[CertificateLine]
    issuer: str
    issued_on: date
    serial: str

    @property
    def hours(self) -> float:
        """Hours, to one decimal."""
        return round(self.minutes / 60, 1)


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("the period ends before it starts", field="end")
    if (end - start).days > 3660:
        raise ValidationFailed("a period is at most ten years", field="end")


def certificate(*, user: User, volunteer_id: int, start: date, end: date) -> Certificate:
    """The certificate of one volunteer's hours and activities in local days start..end (net of corrections)."""
    from app.core.timeutil import to_local

    _check_period(start, end)
    volunteer = _volunteer_in_scope(user, volunteer_id)
    rows = db.session.execute(
        db.select(
            HoursEntry.order_id,
            HoursEntry.activity,
            Station.name,
            func.min(HoursEntry.served_at),
            func.sum(HoursEntry.minutes),
        )
        .join(Station, Station.id == HoursEntry.station_id)
        .where(HoursEntry.volunteer_id == volunteer.id, *_period(HoursEntry.served_at, start, end))
        .group_by(HoursEntry.order_id, HoursEntry.activity, Station.name)
    ).all()
    lines = [
        CertificateLine(day=to_local(served_at).date(), activity=activity, station=station, minutes=int(minutes))
        for _, activity, station, served_at, minutes in rows
        if minutes and minutes > 0
    ]
    lines.sort(key=lambda line: (line.day, line.activity))
    today = to_local(utcnow()).date()
    return Certificate(
        volunteer_code=volunteer.code,
        volunteer_name=volunteer.name,
        team_name=volunteer.team.name if volunteer.team is not None else None,
        start=start,
        end=end,
        minutes=sum(line.minutes for line in lines),
        lines=lines,
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        issued_on=today,
        serial=f"ZYFW-{volunteer.code}-{start:%Y%m%d}-{end:%Y%m%d}",
    )


@dataclass(frozen=True)
class SubsidyRow:
    """Hours and subsidy of one volunteer, team or station over a period."""

    code: str
    name: str
    unit: str
    volunteers: int
    orders: int
    minutes: int
    yuan: float

    @property
    def hours(self) -> float:
        """Hours, to two decimals."""
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class SubsidyReport:
    """Subsidy per volunteer, per team and per station for a period, at one rate per hour."""

    start: date
    end: date
    yuan_per_hour: float
    volunteers: list[SubsidyRow]
    teams: list[SubsidyRow]
    stations: list[SubsidyRow]


def subsidy_report(*, user: User, start: date, end: date) -> SubsidyReport:
    """Net hours x SUBSIDY_YUAN_PER_HOUR per volunteer, team and station in the user's scope (staff only)."""
    authorize(user, "incentives.subsidy")
    _check_period(start, end)
    rate = float(current_app.config["SUBSIDY_YUAN_PER_HOUR"])
    conds = _period(HoursEntry.served_at, start, end)
    ids = scope_station_ids(user)
    if ids is not None:
        conds.append(HoursEntry.station_id.in_(ids))

    def grouped(column) -> Sequence[Row[Any]]:  # noqa: ANN001
        return db.session.execute(
            db.select(
                column,
                func.count(func.distinct(HoursEntry.volunteer_id)),
                func.count(func.distinct(HoursEntry.order_id)),
                func.sum(HoursEntry.minutes),
            )
            .where(*conds, column.is_not(None))
            .group_by(column)
        ).all()

    def rows(model, column, unit_of) -> list[SubsidyRow]:  # noqa: ANN001
        found = grouped(column)
        named = {t.id: t for t in db.session.scalars(db.select(model).where(model.id.in_([r[0] for r in found])))}
        result = [
            SubsidyRow(
                code=named[key].code,
                name=named[key].name,
                unit=unit_of(named[key]),
                volunteers=int(people),
                orders=int(orders),
                minutes=max(0, int(minutes or 0)),
                yuan=round(max(0, int(minutes or 0)) / 60 * rate, 2),
            )
            for key, people, orders, minutes in found
        ]
        result.sort(key=lambda r: (-r.minutes, r.code))
        return result

    return SubsidyReport(
        start=start,
        end=end,
        yuan_per_hour=rate,
        volunteers=rows(Volunteer, HoursEntry.volunteer_id, lambda v: v.team.name if v.team is not None else ""),
        teams=rows(Team, HoursEntry.team_id, lambda t: t.station.name),
        stations=rows(Station, HoursEntry.station_id, lambda s: s.parent.name if s.parent is not None else ""),
    )
