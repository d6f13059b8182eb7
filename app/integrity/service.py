"""`diandan doctor`: check every invariant over the whole database and report what breaks it.

The database holds most of these by itself (constraints, triggers, compare-and-set updates); the doctor is the
independent look that the race tests, and an operator after an incident, run to prove it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.accounts.access import is_admin
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.orders.models import Order, OrderEvent, ServiceRecord
from app.stations.models import Station
from app.volunteers.models import Team

LIVE = ("pending", "accepted")
# The proposal an order in each status must have: a pending one, an accepted one, or none live.
WANTS_PENDING = ("dispatched",)
WANTS_ACCEPTED = ("accepted", "in_service", "completed", "rated")
WANTS_NONE = ("submitted", "cancelled", "expired")


@dataclass(frozen=True)
class Violation:
    """One broken invariant: which rule, on what, and what was found."""

    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail}"


def volunteers_double_booked() -> list[Violation]:
    """No volunteer in two live jobs whose times overlap."""
    rows = db.session.execute(
        db.select(ProposalMember.volunteer_id, Proposal.id, Proposal.start_at, Proposal.end_at)
        .join(Proposal, ProposalMember.proposal_id == Proposal.id)
        .where(Proposal.status.in_(LIVE))
        .order_by(ProposalMember.volunteer_id, Proposal.start_at, Proposal.id)
    ).all()
    found = []
    by_volunteer: dict[int, list] = defaultdict(list)
    for volunteer_id, proposal_id, start, end in rows:
        by_volunteer[volunteer_id].append((start, end, proposal_id))
    for volunteer_id, jobs in by_volunteer.items():
        latest_end, latest_id = None, None
        for start, end, proposal_id in jobs:
            if latest_end is not None and start < latest_end:
                found.append(
                    Violation(
                        "volunteer_double_booked",
                        f"volunteer {volunteer_id}",
                        f"proposals {latest_id} and {proposal_id} overlap",
                    )
                )
            if latest_end is None or end > latest_end:
                latest_end, latest_id = end, proposal_id
    return found


def _wanted_live(status: str) -> list[str]:
    if status in WANTS_PENDING:
        return ["pending"]
    if status in WANTS_ACCEPTED:
        return ["accepted"]
    return []


def orders_match_their_proposals() -> list[Violation]:
    """At most one live proposal per order, and the order's status agrees with it."""
    live: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for order_id, proposal_id, status in db.session.execute(
        db.select(Proposal.order_id, Proposal.id, Proposal.status).where(Proposal.status.in_(LIVE))
    ):
        live[order_id].append((proposal_id, status))
    found = []
    for order_id, status in db.session.execute(db.select(Order.id, Order.status).order_by(Order.id)):
        mine = live.get(order_id, [])
        statuses = sorted(s for _, s in mine)
        subject = f"order {order_id} ({status})"
        if len(mine) > 1:
            found.append(Violation("one_live_proposal", subject, f"{len(mine)} live proposals {sorted(mine)}"))
        elif statuses != _wanted_live(status):
            found.append(Violation("status_matches_proposal", subject, f"live proposals {statuses or 'none'}"))
    return found


def orders_in_service_with_crew_gone() -> list[Violation]:
    """An order in service whose whole crew has checked out should have completed."""
    crews: dict[int, set[int]] = defaultdict(set)
    for order_id, volunteer_id in db.session.execute(
        db.select(Proposal.order_id, ProposalMember.volunteer_id)
        .join(ProposalMember, ProposalMember.proposal_id == Proposal.id)
        .join(Order, Proposal.order_id == Order.id)
        .where(Order.status == "in_service", Proposal.status == "accepted")
    ):
        crews[order_id].add(volunteer_id)
    gone: dict[int, set[int]] = defaultdict(set)
    for order_id, volunteer_id in db.session.execute(
        db.select(ServiceRecord.order_id, ServiceRecord.volunteer_id).where(
            ServiceRecord.order_id.in_(list(crews)), ServiceRecord.check_out_at.is_not(None)
        )
    ):
        gone[order_id].add(volunteer_id)
    return [
        Violation("completion_not_missed", f"order {order_id}", "every crew member checked out, still in service")
        for order_id, crew in sorted(crews.items())
        if crew and crew <= gone[order_id]
    ]


def order_histories_chain() -> list[Violation]:
    """Each recorded transition starts where the previous one ended, and the last ends at the order's status."""
    current: dict[int, str] = dict(db.session.execute(db.select(Order.id, Order.status)).tuples().all())
    found = []
    last: dict[int, str] = {}
    for order_id, event_id, from_status, to_status in db.session.execute(
        db.select(OrderEvent.order_id, OrderEvent.id, OrderEvent.from_status, OrderEvent.to_status)
        .where(OrderEvent.to_status.is_not(None))
        .order_by(OrderEvent.order_id, OrderEvent.id)
    ):
        previous = last.get(order_id)
        if previous is not None and from_status != previous:
            found.append(
                Violation(
                    "history_chains",
                    f"order {order_id}",
                    f"event {event_id} goes {from_status}→{to_status} after the order became {previous}",
                )
            )
        last[order_id] = to_status
    for order_id, status in last.items():
        if current.get(order_id) not in (None, status):
            found.append(
                Violation("history_chains", f"order {order_id}", f"history ends {status}, order is {current[order_id]}")
            )
    return found


def team_leads_in_county() -> list[Violation]:
    """A team's lead is a user of the team's own county."""
    county_of: dict[int, int] = {}
    stations = {s.id: s for s in db.session.scalars(db.select(Station))}
    for station in stations.values():
        county_of[station.id] = station.county().id
    found = []
    for team in db.session.scalars(db.select(Team).where(Team.lead_user_id.is_not(None)).order_by(Team.id)):
        from app.accounts.models import User

        lead = db.session.get(User, team.lead_user_id)
        if lead is None or is_admin(lead):
            continue
        if lead.scope_station_id is None or county_of.get(lead.scope_station_id) != county_of[team.station_id]:
            found.append(Violation("lead_in_team_county", f"team {team.code}", f"lead {lead.username} is elsewhere"))
    return found


def crew_slots_copy_their_jobs() -> list[Violation]:
    """The crew rows' copies of their job's time and liveness (what the overlap constraint reads) are current."""
    rows = db.session.execute(
        db.select(ProposalMember.id, ProposalMember.proposal_id)
        .join(Proposal, ProposalMember.proposal_id == Proposal.id)
        .where(
            (ProposalMember.start_at != Proposal.start_at)
            | (ProposalMember.end_at != Proposal.end_at)
            | (ProposalMember.live != Proposal.status.in_(LIVE))
            | ProposalMember.start_at.is_(None)
        )
    ).all()
    return [
        Violation("crew_slot_current", f"crew row {member_id}", f"out of step with proposal {proposal_id}")
        for member_id, proposal_id in rows
    ]


def orders_in_their_menu_county() -> list[Violation]:
    """An order's menu item is its county's own (or a shared template)."""
    from app.menu.models import MenuItem

    stations = {s.id: s for s in db.session.scalars(db.select(Station))}
    found = []
    for order_id, order_station, item_station in db.session.execute(
        db.select(Order.id, Order.station_id, MenuItem.station_id)
        .join(MenuItem, Order.menu_item_id == MenuItem.id)
        .where(MenuItem.station_id.is_not(None))
    ):
        if stations[order_station].county().id != stations[item_station].county().id:
            found.append(Violation("menu_of_own_county", f"order {order_id}", "its menu item is another county's"))
    return found


CHECKS = (
    volunteers_double_booked,
    orders_match_their_proposals,
    orders_in_service_with_crew_gone,
    order_histories_chain,
    team_leads_in_county,
    crew_slots_copy_their_jobs,
    orders_in_their_menu_county,
)


def find_violations() -> list[Violation]:
    """Every broken invariant in the database (empty when all hold)."""
    found: list[Violation] = []
    for check in CHECKS:
        found.extend(check())
    return found
