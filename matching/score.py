"""The soft objective below served priority: named terms in km-equivalents, one score() for every stage.

Construction, the CP-SAT models and the explanation of each assignment all price a placement with these terms,
so what the engine optimises is exactly what it explains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matching.candidates import Problem
from matching.domain import LEVELS, Preferences

TRAVEL = "travel_km"
TIER = "tier"
REPEAT_TEAM = "repeat_team"
FAIR_SPREAD = "fairness"
TERMS = (TRAVEL, TIER, REPEAT_TEAM, FAIR_SPREAD)


@dataclass(frozen=True, slots=True)
class Term:
    """One named part of a placement's cost, about one volunteer (index) or the whole crew (None)."""

    name: str
    value: float
    volunteer: int | None = None


class Costs:
    """Prices of the soft terms for one problem and its preferences."""

    def __init__(self, problem: Problem, prefs: Preferences) -> None:
        self.problem = problem
        self.prefs = prefs

    def travel(self, km: float) -> float:
        """Round trip of a volunteer living km (one way) from the order."""
        return 2 * km

    def tier(self, team: int) -> float:
        """Penalty for a team above the village tier: the lowest tier that can serve should."""
        if not self.prefs.tier_weight:
            return 0.0
        return self.prefs.tier_weight * LEVELS.index(self.problem.teams[team].level)

    def repeat_team(self, oi: int, team: int) -> float:
        """Penalty for a team that is neither preferred by the order nor the station's usual one."""
        if not self.prefs.repeat_team_weight:
            return 0.0
        o = self.problem.orders[oi]
        preferred = set(o.preferred_teams) | set(self.prefs.history.get(o.station, ()))
        return self.prefs.repeat_team_weight if preferred and self.problem.teams[team].id not in preferred else 0.0

    def fair_spread(self, load: int) -> float:
        """Penalty for giving one more order to a volunteer who already has `load` in this plan."""
        return self.prefs.fairness_weight * load if self.prefs.fairness_weight else 0.0

    def team_penalty(self, oi: int, team: int) -> dict[str, float]:
        """The crew-wide terms of serving order oi with a team, by name (zero terms left out)."""
        out = {TIER: self.tier(team), REPEAT_TEAM: self.repeat_team(oi, team)}
        return {name: value for name, value in out.items() if value}

    def volunteer_cost(self, km: float, load: int) -> float:
        """The per-volunteer terms of one crew member: its travel and its share of fair spread."""
        return self.travel(km) + self.fair_spread(load)

    def score(self, oi: int, team: int, crew: Iterable[tuple[int, float, int]]) -> list[Term]:
        """Every non-zero term of a placement; crew gives (volunteer, one-way km, its other orders in the plan)."""
        terms = []
        for v, km, load in crew:
            terms.append(Term(TRAVEL, self.travel(km), v))
            if fair := self.fair_spread(load):
                terms.append(Term(FAIR_SPREAD, fair, v))
        terms += [Term(name, value) for name, value in sorted(self.team_penalty(oi, team).items())]
        return terms


def total(terms: Iterable[Term]) -> float:
    """The cost of a placement: the sum of its terms."""
    return sum(t.value for t in terms)
