"""Re-dispatch places declined or new orders without moving accepted work; split and merge round-trip."""

from __future__ import annotations

import dataclasses

from matching import instance_from_dict, merge_solutions, redispatch, solve, split_instance, validate
from matching.domain import Assignment, CrewMember, FixedAssignment, Order, Solution, Stats
from matching.generate import generate
from tests.matching.builders import base_instance, order, volunteer


def test_redispatch_declined_order_keeps_others():
    inst = generate("small", seed=4)
    plan = solve(inst, time_limit=1, workers=1)
    a = next(x for x in plan.assignments if x.order not in inst.fixed_by_order)
    orders = tuple(
        dataclasses.replace(o, exclude_teams=(*o.exclude_teams, a.team)) if o.id == a.order else o for o in inst.orders
    )
    # The team declined; everything else already planned is now accepted and must stay put.
    accepted = tuple(
        FixedAssignment(x.order, x.team, x.start, tuple(c.id for c in x.volunteers))
        for x in plan.assignments
        if x.order != a.order
    )
    inst2 = dataclasses.replace(inst, orders=orders, fixed=accepted)
    sol = redispatch(inst2, plan, [a.order])
    assert validate(inst2, sol) == []
    got = {x.order: x for x in sol.assignments}
    for x in plan.assignments:
        if x.order != a.order:
            assert got[x.order] == x
    if a.order in got:
        assert got[a.order].team != a.team
    assert sol.stats.bound >= sol.stats.served_priority


def test_redispatch_new_urgent_order_may_bump_pending_work():
    inst = generate("small", seed=5)
    plan = solve(inst, time_limit=1, workers=1)
    a = next(x for x in plan.assignments if x.order not in inst.fixed_by_order)
    o = inst.order_by_id[a.order]
    urgent = Order("o-urgent", o.station, o.needs, o.duration, o.windows, 5)
    inst2 = dataclasses.replace(inst, orders=(*inst.orders, urgent))
    sol = redispatch(inst2, plan, ["o-urgent"])
    assert validate(inst2, sol) == []
    assert "o-urgent" in {x.order for x in sol.assignments}
    assert sol.stats.served_priority >= plan.stats.served_priority


def test_split_and_merge():
    inst = generate("small", seed=6)
    parts = split_instance(inst)
    assert sorted(o.id for p in parts for o in p.orders) == sorted(o.id for o in inst.orders)
    merged = merge_solutions(inst, [solve(p, time_limit=0.5, workers=1) for p in parts])
    assert validate(inst, merged) == []
    assert merged.stats.bound >= merged.stats.served_priority


def test_split_by_size_and_merge_not_independent():
    inst = generate("small", seed=6)
    parts = split_instance(inst, max_orders=30)
    assert max(len(p.orders) for p in parts) <= 60
    merged = merge_solutions(inst, [solve(p, time_limit=0.5, workers=1) for p in parts], independent=False)
    assert validate(inst, merged) == []
    assert merged.stats.bound >= merged.stats.served_priority


def test_redispatch_moves_pending_work_only_to_serve_more():
    # o-1 is served from home (10 km each way) though v-2 lives at its station: the standing plan could travel less.
    # The new o-2 cannot be served without dropping o-3, which matters more, so nothing may move.
    data = base_instance(
        volunteers=[volunteer("v-1", station="home"), volunteer("v-2", station="far")],
        orders=[
            order("o-1", windows=((100, 300),)),
            order("o-3", windows=((400, 460),), needs=(("first-aid", 2),), priority=5),
            order("o-2", windows=((400, 460),), priority=1),
        ],
    )
    inst = instance_from_dict(data)
    pair = (CrewMember("v-1", "first-aid"), CrewMember("v-2", "first-aid"))
    standing = Solution(
        (Assignment("o-1", "tm-1", 120, pair[:1]), Assignment("o-3", "tm-1", 400, pair)),
        (),
        Stats(8, 40.0, 9, 0.0, "FEASIBLE"),
    )
    sol = redispatch(inst, standing, ["o-2"], time_limit=1.0)
    assert validate(inst, sol) == []
    got = {x.order: x for x in sol.assignments}
    assert "o-2" not in got
    assert got["o-1"].volunteers == pair[:1] and got["o-1"].start == 120
