"""Property tests: every engine solution is valid, and on tiny instances it matches brute force."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import instance_from_dict, solve, validate
from matching.constraints import busy_interval, inside
from matching.domain import Assignment, CrewMember, Instance
from matching.travel import Distances

SKILLS = ["a", "b"]


@st.composite
def tiny_instances(draw: Any, max_orders: int = 3) -> dict[str, Any]:
    n_st = draw(st.integers(1, 3))
    stations = [
        {"id": f"s{i}", "lat": 35.9 + draw(st.integers(0, 4)) * 0.01, "lon": 106.6 + i * 0.01, "level": "village"}
        for i in range(n_st)
    ]
    teams = [
        {"id": f"t{i}", "station": f"s{draw(st.integers(0, n_st - 1))}", "level": "village"}
        for i in range(draw(st.integers(1, 2)))
    ]
    vols = []
    for i in range(draw(st.integers(1, 4))):
        a = draw(st.integers(0, 20))
        vols.append(
            {
                "id": f"v{i}",
                "team": draw(st.sampled_from(teams))["id"],
                "station": f"s{draw(st.integers(0, n_st - 1))}",
                "skills": draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True)),
                "available": [[a, a + draw(st.integers(10, 60))]],
                "max_orders": draw(st.integers(1, 2)),
                **({"max_km": draw(st.sampled_from([0.5, 2.0]))} if draw(st.booleans()) else {}),
            }
        )
    orders = []
    for i in range(draw(st.integers(1, max_orders))):
        w = draw(st.integers(0, 25))
        skills = draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True))
        orders.append(
            {
                "id": f"o{i}",
                "station": f"s{draw(st.integers(0, n_st - 1))}",
                "needs": [{"skill": s, "count": draw(st.integers(1, 2))} for s in skills],
                "duration": draw(st.integers(5, 20)),
                "windows": [[w, w + draw(st.integers(5, 35))]],
                "priority": draw(st.integers(1, 5)),
                **({"exclude_teams": ["t0"]} if draw(st.integers(0, 4)) == 0 else {}),
            }
        )
    return {
        "travel": {"road_factor": 1.2, "speed_kmh": 60},
        "stations": stations,
        "teams": teams,
        "volunteers": vols,
        "orders": orders,
    }


def brute_force(inst: Instance) -> tuple[int, float]:
    """Best (served priority, -travel) by enumerating every start minute, team and crew of every order."""
    dist = Distances(inst)
    options: list[list[tuple[Assignment, float]]] = []
    for o in inst.orders:
        opts: list[tuple[Assignment, float]] = []
        slots = [sk for sk in sorted(o.demand) for _ in range(o.demand[sk])]
        for t in inst.teams:
            if t.id in o.exclude_teams:
                continue
            members = [v for v in inst.volunteers if v.team == t.id]
            for w0, w1 in o.windows:
                for s in range(w0, w1 - o.duration + 1):
                    for crew in itertools.permutations(members, len(slots)):
                        if any(sk not in v.skills for v, sk in zip(crew, slots, strict=True)):
                            continue
                        if list(crew) != sorted(crew, key=lambda v: v.id) and len(set(slots)) == 1:
                            continue
                        a = Assignment(
                            o.id, t.id, s, tuple(CrewMember(v.id, sk) for v, sk in zip(crew, slots, strict=True))
                        )
                        ok = True
                        km = 0.0
                        for v in crew:
                            d = dist.km(v.station, o.station)
                            if v.max_km is not None and d > v.max_km + 1e-9:
                                ok = False
                            if not inside(busy_interval(inst, dist, a, v.id), v.available):
                                ok = False
                            km += 2 * d
                        if ok:
                            opts.append((a, km))
        options.append(opts)
    best = (0, 0.0)

    def rec(i: int, busy: dict[str, list[tuple[int, int]]], served: int, km: float) -> None:
        nonlocal best
        if (served, -km) > (best[0], -best[1]):
            best = (served, km)
        if i == len(options):
            return
        rec(i + 1, busy, served, km)
        o = inst.orders[i]
        for a, akm in options[i]:
            ivs = {c.id: busy_interval(inst, dist, a, c.id) for c in a.volunteers}
            vol = inst.volunteer_by_id
            if any(len(busy.get(c.id, [])) >= vol[c.id].max_orders for c in a.volunteers):
                continue
            if any(s < ivs[c.id][1] and ivs[c.id][0] < e for c in a.volunteers for s, e in busy.get(c.id, [])):
                continue
            nb = {k: list(v) for k, v in busy.items()}
            for vid, iv in ivs.items():
                nb.setdefault(vid, []).append(iv)
            rec(i + 1, nb, served + o.priority, km + akm)

    rec(0, {}, 0, 0.0)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_solutions_are_valid_and_bounded(data: dict[str, Any]) -> None:
    inst = instance_from_dict(data)
    sol = solve(inst, time_limit=1, workers=1)
    assert validate(inst, sol) == []
    assert sol.stats.bound >= sol.stats.served_priority
    assert {u.order for u in sol.unassigned} | {a.order for a in sol.assignments} == {o.id for o in inst.orders}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_orders=3))
def test_tiny_instances_match_brute_force(data: dict[str, Any]) -> None:
    inst = instance_from_dict(data)
    sol = solve(inst, time_limit=2, workers=1)
    served, km = brute_force(inst)
    assert sol.stats.served_priority == served
    assert sol.stats.bound >= served
    assert abs(sol.stats.travel_km - km) < 0.01


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_orders=3))
def test_lp_bound_is_never_below_the_optimum(data: dict[str, Any]) -> None:
    from matching.candidates import Problem
    from matching.lp import lp_bound

    inst = instance_from_dict(data)
    problem = Problem(inst)
    feasible = [oi for oi in problem.free if problem.info[oi].feasible]
    result = lp_bound(problem, feasible)
    assert result is not None
    fixed = sum(inst.order_by_id[f.order].priority for f in inst.fixed)
    assert result[0] + fixed >= brute_force(inst)[0]
