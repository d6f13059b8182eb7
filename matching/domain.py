"""Frozen domain objects of the matching problem (see the exchange format)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

LEVELS = ("village", "township", "county")

Interval = tuple[int, int]


@dataclass(frozen=True)
class Station:
    """A place with coordinates and a tier."""

    id: str
    lat: float
    lon: float
    level: str


@dataclass(frozen=True)
class Team:
    """A volunteer team based at a station."""

    id: str
    station: str
    level: str


@dataclass(frozen=True)
class Volunteer:
    """A volunteer with skills, weekly availability and limits."""

    id: str
    team: str
    station: str
    skills: tuple[str, ...]
    available: tuple[Interval, ...]
    max_orders: int
    max_km: float | None = None


@dataclass(frozen=True)
class Need:
    """So many volunteers holding one skill."""

    skill: str
    count: int


@dataclass(frozen=True)
class Order:
    """A service order placed by a station."""

    id: str
    station: str
    needs: tuple[Need, ...]
    duration: int
    windows: tuple[Interval, ...]
    priority: int
    exclude_teams: tuple[str, ...] = ()
    preferred_teams: tuple[str, ...] = ()

    @cached_property
    def demand(self) -> dict[str, int]:
        """Volunteers needed per skill, with repeated skills merged as the checker does."""
        out: dict[str, int] = {}
        for n in self.needs:
            out[n.skill] = out.get(n.skill, 0) + n.count
        return out

    @cached_property
    def crew_size(self) -> int:
        """Total number of volunteers the order needs."""
        return sum(n.count for n in self.needs)

    def within_teams(self, team_ids: set[str]) -> Order:
        """The same order in a sub-instance holding only these teams: its team lists cut to them."""
        return Order(
            self.id,
            self.station,
            self.needs,
            self.duration,
            self.windows,
            self.priority,
            tuple(t for t in self.exclude_teams if t in team_ids),
            tuple(t for t in self.preferred_teams if t in team_ids),
        )


@dataclass(frozen=True)
class FixedAssignment:
    """An accepted assignment that every solution must keep unchanged."""

    order: str
    team: str
    start: int
    volunteers: tuple[str, ...]


@dataclass(frozen=True)
class Instance:
    """One matching problem: who can serve which order, when and where."""

    stations: tuple[Station, ...]
    teams: tuple[Team, ...]
    volunteers: tuple[Volunteer, ...]
    orders: tuple[Order, ...]
    fixed: tuple[FixedAssignment, ...] = ()
    horizon_start: str = "2026-12-07T00:00:00+08:00"
    horizon_minutes: int = 10080
    road_factor: float = 1.3
    speed_kmh: float = 30.0

    @cached_property
    def station_by_id(self) -> dict[str, Station]:
        """Stations by id."""
        return {s.id: s for s in self.stations}

    @cached_property
    def team_by_id(self) -> dict[str, Team]:
        """Teams by id."""
        return {t.id: t for t in self.teams}

    @cached_property
    def volunteer_by_id(self) -> dict[str, Volunteer]:
        """Volunteers by id."""
        return {v.id: v for v in self.volunteers}

    @cached_property
    def order_by_id(self) -> dict[str, Order]:
        """Orders by id."""
        return {o.id: o for o in self.orders}

    @cached_property
    def fixed_by_order(self) -> dict[str, FixedAssignment]:
        """Fixed assignments by order id."""
        return {f.order: f for f in self.fixed}

    @property
    def total_priority(self) -> int:
        """Sum of all order priorities: the trivial bound."""
        return sum(o.priority for o in self.orders)


@dataclass(frozen=True)
class CrewMember:
    """A volunteer filling one need (skill) of an order."""

    id: str
    skill: str


@dataclass(frozen=True)
class CostTerm:
    """One named term of an assignment's cost, optionally about one volunteer."""

    name: str
    value: float
    volunteer: str | None = None


@dataclass(frozen=True)
class Assignment:
    """An order served by a team's crew from a start minute."""

    order: str
    team: str
    start: int
    volunteers: tuple[CrewMember, ...]
    cost_terms: tuple[CostTerm, ...] = ()


@dataclass(frozen=True)
class Unassigned:
    """An order left unserved: a stable machine code (see matching.explain.REASONS), the values its sentence is
    made of, and the English sentence itself."""

    order: str
    code: str
    reason: str
    params: Mapping[str, str | int] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Stats:
    """Objective figures and the proved bound of a solution."""

    served_priority: int
    travel_km: float
    bound: int
    seconds: float
    status: str
    travel_bound_km: float | None = None  # a proved lower bound on travel at the served priority, when one is known


@dataclass(frozen=True)
class Solution:
    """Assignments, unassigned orders with reasons, and stats."""

    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    stats: Stats


@dataclass(frozen=True)
class Preferences:
    """Named soft preferences, ranked below served priority; all off by default.

    Weights are in kilometre-equivalents, so they trade only against travel and never against priority.
    """

    tier_weight: float = 0.0
    fairness_weight: float = 0.0
    repeat_team_weight: float = 0.0
    history: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """True when any preference has a non-zero weight."""
        return bool(self.tier_weight or self.fairness_weight or self.repeat_team_weight)
