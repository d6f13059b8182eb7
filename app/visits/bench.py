"""Visit-planning benchmark: seeded families of households and volunteers' half-days, planned and checked.

    python -m app.visits.bench [--households 2000] [--volunteers 60] [--seeds 1 2] [--limit 20]

Each family is planned by OR-Tools and by the nearest-neighbour baseline; both plans go through the
independent checker, and travel is set against a valid lower bound for the households the plan visits.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass

from app.visits.planner import Household, Plan, Problem, Shift, check_plan, nearest_neighbour, solve

# Half-days as the service plans them: (start, end) minutes after local midnight.
HALF_DAYS = ((8 * 60 + 30, 12 * 60), (14 * 60 + 30, 18 * 60))
CENTRE = (35.85, 106.64)
KM_LAT = 1 / 111.0


@dataclass(frozen=True)
class Family:
    """How one kind of place looks: how households spread, how volunteers travel, how free they are."""

    name: str
    clusters: int
    radius_km: float
    spread_km: float
    speed_kmh: float
    visit_minutes: int
    half_days_per_volunteer: tuple[int, int]
    max_visits: int


FAMILIES = (
    Family("dense town", 1, 2.5, 2.5, 4.5, 15, (4, 7), 8),
    Family("sparse villages", 18, 1.0, 25.0, 30.0, 20, (4, 7), 8),
    Family("tight shifts", 6, 1.5, 6.0, 4.5, 20, (2, 4), 6),
)


def _near(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    angle, dist = rng.uniform(0, 2 * 3.14159), km * rng.random() ** 0.5
    import math

    return lat + dist * KM_LAT * math.cos(angle), lon + dist * KM_LAT * math.sin(angle) / math.cos(math.radians(lat))


def generate(family: Family, *, seed: int, households: int = 2000, volunteers: int = 60) -> Problem:
    """A seeded instance of one family: households around village centres, volunteers at those centres."""
    rng = random.Random(f"{family.name}/{seed}")
    centres = [_near(rng, *CENTRE, family.spread_km) for _ in range(family.clusters)]
    homes = [
        Household(f"h{i:05d}", *_near(rng, *rng.choice(centres), family.radius_km), weight=rng.choice((1, 1, 1, 3)))
        for i in range(households)
    ]
    shifts = []
    for v in range(volunteers):
        base = centres[v % len(centres)]
        days = rng.sample(range(7 * 2), rng.randint(*family.half_days_per_volunteer))
        for half in sorted(days):
            start, end = HALF_DAYS[half % 2]
            offset = (half // 2) * 1440
            shifts.append(
                Shift(
                    f"v{v:03d}/{half}", f"v{v:03d}", base[0], base[1], offset + start, offset + end, family.max_visits
                )
            )
    return Problem(tuple(homes), tuple(shifts), family.visit_minutes, family.speed_kmh)


def _row(family: str, seed: int, problem: Problem, plan: Plan, baseline: Plan, cpu: float) -> str:
    broken, broken_nn = len(check_plan(problem, plan)), len(check_plan(problem, baseline))
    weight = {h.id: h.weight for h in problem.households}
    visited = sum(weight.values()) - sum(weight[h] for h in plan.dropped)
    nn_visited = sum(weight.values()) - sum(weight[h] for h in baseline.dropped)
    gap = (plan.travel_km / plan.bound_km - 1) * 100 if plan.bound_km else float("nan")
    return (
        f"| {family} | {seed} | {len(problem.households)} | {len(problem.shifts)} | {plan.seconds:.1f} | {cpu:.1f} | "
        f"{len(problem.households) - len(plan.dropped)} ({visited}) | {plan.travel_km:.1f} | "
        f"{len(problem.households) - len(baseline.dropped)} ({nn_visited}) | {baseline.travel_km:.1f} | "
        f"{plan.bound_km or 0:.1f} | {gap:.0f}% | {plan.stats.get('groups_improved', 0)} / "
        f"{plan.stats.get('groups_tried', 0)} | {broken} / {broken_nn} |"
    )


def main(argv: list[str] | None = None) -> None:
    """Plan every family for every seed and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--volunteers", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=float, default=20.0, help="solver time limit in seconds")
    parser.add_argument("--family", action="append", help="only these families (by name)")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cpus: {os.cpu_count()}")
    print(
        "| family | seed | households | shifts | wall s | CPU s | visited (weight) | km | NN visited (weight) | "
        "NN km | bound km | km over bound | groups improved / tried | broken rules (plan / NN) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for family in FAMILIES:
        if args.family and family.name not in args.family:
            continue
        for seed in args.seeds:
            problem = generate(family, seed=seed, households=args.households, volunteers=args.volunteers)
            baseline = nearest_neighbour(problem)
            cpu = time.process_time()
            plan = solve(problem, time_limit_s=args.limit)
            cpu = time.process_time() - cpu
            print(_row(family.name, seed, problem, plan, baseline, cpu), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
