"""Re-checks of a crew after the engine placed it (a lead accepts or swaps someone in), asked of the engine's
own rules: one volunteer's standing work around a proposal becomes a small matching instance and solution."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app

from app.core.errors import ValidationFailed
from app.core.timeutil import week_start
from app.dispatch.models import LIVE, Proposal, ProposalMember
from app.extensions import db
from app.stations.models import Station
from app.volunteers.models import Volunteer
from app.volunteers.service import free_intervals
from matching import domain
from matching.constraints import max_orders, no_overlap, volunteer_available_and_in_reach
from matching.travel import Distances, within_max_km

VOLUNTEER = "v"
_STATS = domain.Stats(served_priority=0, travel_km=0.0, bound=0, seconds=0.0, status="recheck")


class StandingWork:
    """A volunteer and some of their proposals as one matching instance; each proposal is one assignment."""

    def __init__(
        self,
        volunteer: Volunteer,
        proposals: list[Proposal],
        *,
        free: list[tuple[datetime, datetime]] | None = None,
        weekly_limit: int | None = None,
    ) -> None:
        # Minute 0 lies a day before the earliest work, so that travel before it stays on the positive side.
        self.origin = min(p.start_at for p in proposals).replace(second=0, microsecond=0) - timedelta(days=1)
        stations = {volunteer.station.id: volunteer.station}
        stations.update((p.order.station.id, p.order.station) for p in proposals)
        config = current_app.config
        everywhere = ((-(10**9), 10**9),)
        available = tuple((self._up(s), self._down(e)) for s, e in free) if free is not None else everywhere
        self.instance = domain.Instance(
            stations=tuple(_station(s) for s in stations.values()),
            teams=(),
            volunteers=(
                domain.Volunteer(
                    id=VOLUNTEER,
                    team="",
                    station=_station_key(volunteer.station),
                    skills=(),
                    available=available,
                    max_orders=weekly_limit if weekly_limit is not None else len(proposals),
                    max_km=volunteer.max_km,
                ),
            ),
            orders=tuple(self._order(p) for p in proposals),
            road_factor=config["ROAD_FACTOR"],
            speed_kmh=config["SPEED_KMH"],
        )
        self.distances = Distances(self.instance)
        self.assignments = {
            p.id: domain.Assignment(
                order=_order_key(p),
                team="",
                start=self._down(p.start_at),
                volunteers=(domain.CrewMember(id=VOLUNTEER, skill=""),),
            )
            for p in proposals
        }

    def _down(self, moment: datetime) -> int:
        return math.floor((moment - self.origin).total_seconds() / 60)

    def _up(self, moment: datetime) -> int:
        return math.ceil((moment - self.origin).total_seconds() / 60)

    def _order(self, proposal: Proposal) -> domain.Order:
        start, end = self._down(proposal.start_at), self._up(proposal.end_at)
        return domain.Order(
            id=_order_key(proposal),
            station=_station_key(proposal.order.station),
            needs=(),
            duration=end - start,
            windows=((start, end),),
            priority=1,
        )

    def solution(self, *proposals: Proposal) -> domain.Solution:
        """The volunteer serving these proposals."""
        return domain.Solution(tuple(self.assignments[p.id] for p in proposals), (), _STATS)

    def overlap(self, proposal: Proposal, other: Proposal) -> bool:
        """Whether serving both (travel included) is impossible for the volunteer (rule: no overlap)."""
        return bool(no_overlap(self.instance, self.solution(proposal, other), self.distances))

    def available_for(self, proposal: Proposal) -> bool:
        """Whether the volunteer is free for the proposal, travel there and back included (rule: available)."""
        return not volunteer_available_and_in_reach(self.instance, self.solution(proposal), self.distances)

    def within_limit(self, *proposals: Proposal) -> bool:
        """Whether serving all of these keeps the volunteer within the weekly limit (rule: max orders)."""
        return not max_orders(self.instance, self.solution(*proposals), self.distances)


def _station_key(station: Station) -> str:
    return f"st-{station.id}"


def _order_key(proposal: Proposal) -> str:
    return f"p-{proposal.id}"


def _station(station: Station) -> domain.Station:
    return domain.Station(id=_station_key(station), lat=station.lat, lon=station.lon, level=station.level)


def _live_proposals_of(volunteer: Volunteer, *conditions: object) -> list[Proposal]:
    return list(
        db.session.scalars(
            db.select(Proposal)
            .join(ProposalMember)
            .where(ProposalMember.volunteer_id == volunteer.id, Proposal.status.in_(LIVE), *conditions)
            .order_by(Proposal.id)
        )
    )


def clash(volunteer: Volunteer, proposal: Proposal) -> Proposal | None:
    """Another live proposal of the volunteer's whose time (with travel) overlaps this one."""
    nearby = _live_proposals_of(
        volunteer,
        Proposal.id != proposal.id,
        Proposal.start_at < proposal.end_at + timedelta(hours=3),
        Proposal.end_at > proposal.start_at - timedelta(hours=3),
    )
    if not nearby:
        return None
    work = StandingWork(volunteer, [proposal, *nearby])
    return next((other for other in nearby if work.overlap(proposal, other)), None)


def check_replacement(newcomer: Volunteer, proposal: Proposal) -> None:
    """Refuse (422) a replacement the engine's rules would not have placed: reach, availability, overlap, limit."""
    week = week_start(proposal.start_at)
    same_week = [p for p in _live_proposals_of(newcomer) if week_start(p.start_at) == week]
    travel = timedelta(days=1)  # wide enough for any drive; the rule itself cuts the travel out of what is free
    free = free_intervals(newcomer, proposal.start_at - travel, proposal.end_at + travel)
    work = StandingWork(newcomer, [proposal, *same_week], free=free, weekly_limit=newcomer.max_orders_per_week)
    km = work.distances.km(_station_key(newcomer.station), _station_key(proposal.order.station))
    if not within_max_km(km, newcomer.max_km):
        raise ValidationFailed("the order is beyond the replacement's distance limit", field="in_volunteer_id")
    if not work.available_for(proposal):
        raise ValidationFailed("the replacement is not available then", field="in_volunteer_id")
    if clash(newcomer, proposal) is not None:
        raise ValidationFailed("the replacement is rostered elsewhere then", field="in_volunteer_id")
    if not work.within_limit(proposal, *same_week):
        raise ValidationFailed("the replacement has reached their weekly limit", field="in_volunteer_id")
