"""Builders for jobs on the roster: orders placed, proposed to a team and accepted, at chosen local times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.core.signals import proposal_created
from app.core.timeutil import LOCAL_TZ, utcnow
from app.dispatch import proposals
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.orders import service as orders
from app.orders.models import Order
from tests.factories import World

# Wednesday 2026-12-02, 09:00 in Asia/Shanghai: inside ISO week 2026-W49 (Monday 2026-11-30).
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=LOCAL_TZ)
W49 = date(2026, 11, 30)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def place(
    world: World,
    *,
    start: datetime,
    hours: int = 3,
    item: str = "MI-15",
    station: str = "PY-BY-01",
    phone: str | None = "13900000000",
) -> Order:
    """Station staff order for a walk-in resident, in one window starting at `start`."""
    return orders.place_order(
        user=world.users["staff"],
        menu_item_id=world.menu_item(item).id,
        station_id=world.stations[station].id,
        windows=[{"start": start, "end": start + timedelta(hours=hours)}],
        resident={"name": "马大爷", "phone": phone},
    )


def propose(
    world: World,
    order: Order,
    *,
    team: str = "T-V-A1",
    crew: tuple[str, ...] = ("v1", "v2"),
    start: datetime | None = None,
    deadline: datetime | None = None,
) -> Proposal:
    """What a dispatch run stores: a pending proposal with a crew, the order dispatched, the lead told."""
    start = start or order.windows[0].start_at
    skill = order.needs[0].skill
    proposal = Proposal(
        order=order,
        team=world.teams[team],
        start_at=start,
        end_at=start + timedelta(minutes=order.duration_minutes),
        deadline_at=deadline or min(utcnow() + timedelta(hours=24), start - timedelta(hours=1)),
        status="pending",
        created_at=utcnow(),
        explanation={},
    )
    proposal.crew = [ProposalMember(volunteer=world.volunteers[code], skill=skill) for code in crew]
    db.session.add(proposal)
    db.session.flush()
    orders.transition(order, "dispatched", actor=None, data={"team": world.teams[team].code})
    proposal_created.send(None, proposal=proposal)
    return proposal


def accepted_job(
    world: World,
    *,
    start: datetime,
    team: str = "T-V-A1",
    lead: str = "lead_v",
    crew: tuple[str, ...] = ("v1", "v2"),
    **place_args: object,
) -> Proposal:
    """An order placed, proposed and accepted by the team lead: a job on the roster."""
    order = place(world, start=start, **place_args)  # type: ignore[arg-type]
    proposal = propose(world, order, team=team, crew=crew, start=start)
    return proposals.accept_proposal(user=world.users[lead], proposal_id=proposal.id)
