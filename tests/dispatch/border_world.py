"""Two neighbouring counties and a team lent across their line, with orders on both sides of it."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.timeutil import LOCAL_TZ, utcnow
from app.dispatch.border import dispatch_counties
from app.dispatch.models import Proposal
from app.extensions import db
from app.orders.models import Order
from app.volunteers.models import Team
from tests.factories import World, build_second_county, make_station, make_volunteer, placed_order


def build_border(world: World) -> dict[str, Order]:
    """Add 西吉县 beside 彭阳县, a 草庙乡 team lent to it, and four elder-care visits (two elder-carers each).

    - `home`: 草庙村 (彭阳), tomorrow 09-12: only the lent team can crew it, in 彭阳's own run.
    - `clash`: a 西吉 village by the line, the same hours: the lent team is already promised then.
    - `later`: the same village, the day after: the second pass places it with the lent team.
    - `far`: 龙王坝村, deep in 西吉 and out of reach: left to 西吉's own (too small) team.
    """
    build_second_county(world)
    border_village = make_station(
        "XJ-JQ-02", "吉强镇边庄村新时代文明实践站", "village", 35.95, 106.40, world.stations["XJ-JQ"]
    )
    world.stations[border_village.code] = border_village
    lent = Team(code="T-T-B", name="草庙乡敬老服务队", level="township", station=world.stations["PY-CM"])
    lent.lent_to = [world.stations["XJ"]]
    db.session.add(lent)
    db.session.flush()
    world.teams[lent.code] = lent
    for code in ("B1", "B2"):
        world.volunteers[code.lower()] = make_volunteer(code, lent, world.stations["PY-CM"], ["elder-care"])
    # Elder-care visits are a shared template here, so both counties' stations can order them.
    world.menu_item("MI-15").station_id = None
    db.session.flush()
    tomorrow = (datetime.now(LOCAL_TZ) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {
        "home": placed_order(world, tomorrow, station="PY-CM-01", by="admin"),
        "clash": placed_order(world, tomorrow, station="XJ-JQ-02", by="admin"),
        "later": placed_order(world, tomorrow + timedelta(days=1), station="XJ-JQ-02", by="admin"),
        "far": placed_order(world, tomorrow + timedelta(days=1), station="XJ-JQ-01", by="admin"),
    }


def stored_plan() -> list[tuple]:
    """The stored proposals as (order, team, start, crew), comparable across runs."""
    rows = db.session.scalars(db.select(Proposal).order_by(Proposal.order_id))
    return [(p.order_id, p.team_id, p.start_at, tuple(sorted(m.volunteer_id for m in p.crew))) for p in rows]


def in_process_border_plan(world: World) -> tuple[datetime, list[tuple]]:
    """Build the border world, then what in-process dispatch with its second pass proposes from now (rolled back so
    the database holds the world alone), and that moment."""
    build_border(world)
    db.session.commit()
    moment = utcnow()
    dispatch_counties(trigger="test", actor=None, time_limit=2.0, now=moment)
    plan = stored_plan()
    db.session.rollback()
    return moment, plan
