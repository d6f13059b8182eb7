"""Issue 13 rows 4, 10, 12, 19, 20 and 23 at 50+ requests at once against the served app on PostgreSQL: what a
single request may not do, many at once may not do either; afterwards the doctor checks every invariant."""

from __future__ import annotations

import threading
from collections import Counter

from app.demo.loader import DEMO_PASSWORD, load_demo
from app.dispatch.models import Proposal
from app.dispatch.runs import run_dispatch_for_counties
from app.extensions import db
from app.menu.models import MenuItem
from app.rosters.models import RosterVersion
from app.scheduling.models import JobRun
from app.volunteers.models import Team, Volunteer
from tests.factories import (
    build_second_county,
    jobs_in_two_counties,
    make_volunteer,
    proposed_order,
    slot,
)
from tests.races.conftest import Call, assert_doctor_clean, no_server_errors, serve


def test_row_4_another_countys_staff_change_nothing_and_a_template_is_adopted_once(server, world, bearer) -> None:
    build_second_county(world)
    template = world.menu_item("MI-01")
    template.station_id = None  # a shared template both counties are offered
    db.session.commit()
    own = [world.menu_item(code) for code in ("MI-15", "MI-02", "MI-03")]
    before = {item.id: (item.title, item.active) for item in own}
    foreign = bearer("county2")
    calls = [
        Call("PATCH", f"/api/v1/menu-items/{item.id}", foreign, change)
        for item in own
        for change in ({"active": False}, {"title": "改名"})
        for _ in range(5)
    ]
    calls += [Call("POST", f"/api/v1/menu-items/{template.id}/adopt", foreign)] * 30
    replies = server.fire(calls)
    no_server_errors(replies)
    changes, adoptions = replies[:30], replies[30:]
    assert {r.status for r in changes} == {404}
    assert sorted(r.status for r in adoptions) == [201] + [409] * 29
    db.session.remove()
    assert {
        i.id: (i.title, i.active) for i in db.session.scalars(db.select(MenuItem).where(MenuItem.id.in_(before)))
    } == before
    copies = db.session.scalar(db.select(db.func.count()).where(MenuItem.adopted_from_id == template.id))
    assert copies == 1
    assert_doctor_clean()


def test_row_10_village_staff_cannot_strip_county_team_volunteers_even_all_at_once(server, world, bearer) -> None:
    members = [make_volunteer(f"VC{i}", world.teams["T-C"], world.stations["PY-BY-01"], ["medical"]) for i in range(5)]
    db.session.commit()
    ids = [m.id for m in members]
    staff, county = bearer("staff"), bearer("county")
    refused = [
        Call("PATCH", f"/api/v1/volunteers/{vid}", staff, {"active": False}) for vid in ids for _ in range(6)
    ] + [
        Call("PUT", f"/api/v1/volunteers/{vid}/availability", staff, {"weekly": [], "exceptions": []})
        for vid in ids
        for _ in range(4)
    ]
    # Meanwhile the county's staff, who do manage the county team, change the same volunteers.
    allowed = [Call("PATCH", f"/api/v1/volunteers/{vid}", county, {"max_orders_per_week": 7}) for vid in ids * 2]
    replies = server.fire(refused + allowed)
    no_server_errors(replies)
    assert {r.status for r in replies[: len(refused)]} == {403}
    assert {r.status for r in replies[len(refused) :]} == {200}
    db.session.remove()
    for volunteer in db.session.scalars(db.select(Volunteer).where(Volunteer.id.in_(ids))):
        assert volunteer.active is True and volunteer.availability
        assert volunteer.max_orders_per_week == 7
    assert_doctor_clean()


def test_row_12_a_lead_reads_nothing_of_what_its_team_declines_at_once(app, server, world, bearer, monkeypatch):
    monkeypatch.setitem(app.config, "REDISPATCH_ON_DECLINE", False)
    proposals = [proposed_order(world, slot(i), [world.volunteers["v1"]]) for i in range(20)]
    db.session.commit()
    lead = bearer("lead_v")
    calls = []
    for proposal in proposals:
        calls.append(Call("POST", f"/api/v1/proposals/{proposal.id}/decline", lead, {"reason": "人手不够"}))
        calls.append(Call("GET", f"/api/v1/orders/{proposal.order_id}", lead))
        calls.append(Call("GET", f"/api/v1/orders/{proposal.order_id}/events", lead))
    replies = server.fire(calls)
    no_server_errors(replies)
    assert {r.status for r in replies[0::3]} == {200}
    # A read that raced its decline saw the order (200) or not (404); nothing else.
    assert {r.status for r in replies[1::3]} | {r.status for r in replies[2::3]} <= {200, 404}
    after = server.fire([Call("GET", f"/api/v1/orders/{p.order_id}", lead) for p in proposals] * 3)
    assert {r.status for r in after} == {404}
    listed = server.send(Call("GET", "/api/v1/orders", lead))
    assert not {p.order_id for p in proposals} & {o["id"] for o in listed.body}
    assert_doctor_clean()


def test_row_19_standbys_taking_over_at_once_close_each_abandoned_run_once(app, world) -> None:
    from schedules.locks import job_lock
    from schedules.runner import close_abandoned_runs

    jobs = ["dispatch", "reminders", "order_expiry"]
    abandoned = [JobRun(job=jobs[i % 3], host=f"gone:{i}", outcome="running") for i in range(30)]
    live = JobRun(job="outbox", host="here:1", outcome="running")
    db.session.add_all([*abandoned, live])
    db.session.commit()
    live_id = live.id
    db.session.remove()
    standbys = 8  # each holds a pooled connection and a lock connection: more would queue for the pool
    start = threading.Barrier(standbys)
    closed: list[int] = []

    def take_over() -> None:
        start.wait()
        closed.append(close_abandoned_runs(app))

    with job_lock(app, "outbox") as held:  # a live process is running the outbox right now
        assert held
        threads = [threading.Thread(target=take_over) for _ in range(standbys)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(closed) == len(abandoned)
    outcomes = Counter(db.session.scalars(db.select(JobRun.outcome)))
    assert outcomes == Counter({"failed": len(abandoned), "running": 1})
    assert db.session.get(JobRun, live_id).outcome == "running"
    assert_doctor_clean()


def test_row_20_rosters_published_by_two_counties_at_once_stay_in_each_county(server, world, bearer) -> None:
    body = {"week": jobs_in_two_counties(world)}
    county, county2 = bearer("county"), bearer("county2")
    publishes = [Call("POST", "/api/v1/rosters/publish", who, body) for who in (county, county2)] * 15
    team = {"name": "新队", "station_id": world.stations["PY-BY-01"].id}
    leads = [
        Call("POST", "/api/v1/teams", county, {**team, "code": f"T-F{i}", "lead_user_id": world.users["lead2"].id})
        for i in range(15)
    ] + [
        Call("POST", "/api/v1/teams", county, {**team, "code": f"T-O{i}", "lead_user_id": world.users["lead_v"].id})
        for i in range(10)
    ]
    expected = {
        f"team:{world.teams['T-V-A1'].id}",
        f"volunteer:{world.volunteers['v1'].id}",
        f"team:{world.teams['T-XJ'].id}",
        f"volunteer:{world.volunteers['x1'].id}",
    }
    lead2_id = world.users["lead2"].id
    replies = server.fire(publishes + leads)
    no_server_errors(replies)
    published, foreign, own = replies[:30], replies[30:45], replies[45:]
    # Simultaneous publishes of one week: one writes each roster, a loser hears 409 (it was just published).
    assert {r.status for r in published} <= {200, 409} and 200 in {r.status for r in published}
    assert {r.status for r in foreign} == {422} and all("lead_user_id" in r.body["errors"] for r in foreign)
    assert {r.status for r in own} == {201}
    db.session.remove()
    versions = db.session.execute(db.select(RosterVersion.owner_key, RosterVersion.version)).all()
    # Each roster published once (its content did not change between the racing publishes).
    assert Counter(key for key, _ in versions) == Counter(dict.fromkeys(expected, 1))
    # The other county's lead leads only their own team still.
    led = db.session.scalars(db.select(Team.code).where(Team.lead_user_id == lead2_id)).all()
    assert led == ["T-XJ"]
    assert_doctor_clean()


def test_row_23_the_served_demo_stays_free_of_double_bookings_when_all_its_proposals_are_answered_at_once(
    app, db
) -> None:
    load_demo(volunteers=120, orders=15, seed=7)
    db.session.commit()
    run_dispatch_for_counties(trigger="test", actor=None, time_limit=3)
    db.session.commit()
    pending = list(db.session.scalars(db.select(Proposal.id).where(Proposal.status == "pending")))
    assert pending
    with serve(app) as server:
        token = server.send(Call("POST", "/api/v1/auth/token", {}, {"username": "county", "password": DEMO_PASSWORD}))
        county = {"Authorization": f"Bearer {token.body['token']}"}
        repeats = max(2, -(-60 // len(pending)))
        replies = server.fire([Call("POST", f"/api/v1/proposals/{pid}/accept", county) for pid in pending] * repeats)
    no_server_errors(replies)
    for index, proposal_id in enumerate(pending):
        answers = sorted(r.status for r in replies[index :: len(pending)])
        # One accept wins; the others hear 409 (already accepted, or a crew member now busy at that time).
        assert answers.count(200) <= 1 and set(answers) <= {200, 409}, (proposal_id, answers)
    assert_doctor_clean()
