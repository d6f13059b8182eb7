"""The second pass across county lines: a lent team places its neighbour's unserved orders near the border, with
what the first pass (the county runs) proposed held."""

from __future__ import annotations

from app.dispatch.border import dispatch_counties, lending_groups
from app.dispatch.models import DispatchRun, Proposal
from app.extensions import db
from tests.dispatch.border_world import build_border, in_process_border_plan, stored_plan


def _proposed(order) -> Proposal | None:
    return db.session.scalar(db.select(Proposal).where(Proposal.order_id == order.id))


def test_the_second_pass_places_a_neighbours_order_with_the_lent_team_after_its_home_run(world, db) -> None:
    visits = build_border(world)
    db.session.commit()
    runs = dispatch_counties(trigger="test", actor=None, time_limit=2.0)
    db.session.commit()
    assert [(r.kind, r.county.code) for r in runs] == [("county", "PY"), ("county", "XJ"), ("border", "XJ")]
    first_py, first_xj, border = runs
    lent = world.teams["T-T-B"]
    home = _proposed(visits["home"])
    assert home is not None and home.team_id == lent.id and home.run_id == first_py.id
    later = _proposed(visits["later"])
    assert later is not None and later.team_id == lent.id and later.run_id == border.id
    assert {m.volunteer_id for m in later.crew} == {world.volunteers["b1"].id, world.volunteers["b2"].id}
    # The lent crew is promised at home at those hours; the far village is out of the lent team's reach.
    assert _proposed(visits["clash"]) is None and _proposed(visits["far"]) is None
    assert border.orders_considered == 2 and border.orders_proposed == 1 and border.orders_unassigned == 1
    assert border.border_county_ids == [world.stations["XJ"].id] and border.after_run_ids == [first_py.id, first_xj.id]
    assert visits["clash"].unassigned_reason, "an order the second pass cannot place keeps its county run's reason"


def test_without_a_lent_team_there_is_no_second_pass(world, db) -> None:
    visits = build_border(world)
    world.teams["T-T-B"].lent_to = []
    db.session.commit()
    assert lending_groups({world.stations["PY"].id, world.stations["XJ"].id}) == []
    runs = dispatch_counties(trigger="test", actor=None, time_limit=2.0)
    assert [r.kind for r in runs] == ["county", "county"]
    assert _proposed(visits["later"]) is None
    assert db.session.scalar(db.select(db.func.count(DispatchRun.id)).where(DispatchRun.kind == "border")) == 0


def test_a_queued_border_run_waits_for_its_county_runs_and_gives_the_in_process_plan(world, db) -> None:
    from app.dispatch.queue import execute_run, queue_runs

    moment, expected = in_process_border_plan(world)
    queued = queue_runs(county_code=None, actor=world.users["admin"], trigger="api", time_limit=2.0, now=moment)
    db.session.commit()
    assert [r.kind for r in queued] == ["county", "county", "border"]
    border_id = queued[-1].id
    assert execute_run(run_id=border_id, host="test") == "waiting"
    assert db.session.get(DispatchRun, border_id).status == "queued"
    for run in queued[:-1]:
        assert execute_run(run_id=run.id, host="test") == "done"
    assert execute_run(run_id=border_id, host="test") == "done"
    assert stored_plan() == expected and len(expected) == 2


def test_county_staff_lend_a_team_to_a_neighbouring_county_through_the_api(client, world, token_for) -> None:
    from tests.factories import build_second_county

    build_second_county(world)
    db.session.commit()
    team = world.teams["T-T-A"]
    headers = token_for("county")
    url = f"/api/v1/teams/{team.id}"
    for codes, field in ((["NOPE"], "lent_to.0"), (["XJ", "PY"], "lent_to.1"), (["XJ-JQ"], "lent_to.0")):
        refused = client.patch(url, json={"lent_to": codes}, headers=headers)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    assert world.teams["T-T-A"].lent_to == []
    answer = client.patch(url, json={"lent_to": ["XJ"]}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["lent_to"] == ["XJ"]
    db.session.expire_all()
    assert lending_groups({world.stations["XJ"].id})[0].counties == {world.stations["PY"].id, world.stations["XJ"].id}


def test_the_scheduled_dispatch_runs_every_county_then_the_second_pass(app, world, db) -> None:
    from schedules.runner import run_job

    visits = build_border(world)
    db.session.commit()
    outcome = run_job(app, "dispatch")
    assert outcome.outcome == "ok" and outcome.counts["runs"] == 2 and outcome.counts["border_runs"] == 1
    db.session.expire_all()
    later = _proposed(visits["later"])
    assert later is not None and later.team_id == world.teams["T-T-B"].id


def test_in_worker_mode_the_scheduled_dispatch_sends_the_border_run_after_the_county_runs(
    app, world, db, monkeypatch
) -> None:
    from app.core.timeutil import utcnow
    from app.dispatch import queue
    from schedules.jobs import _dispatch_on_workers

    sent: list[int] = []

    class Producer:
        def send_task(self, name: str, *, args: list, queue: str) -> None:
            sent.extend(args)

    monkeypatch.setattr(queue, "task_producer", lambda url: Producer())
    monkeypatch.setitem(app.config, "BROKER_URL", "redis://127.0.0.1:6379/0")
    build_border(world)
    db.session.commit()
    assert _dispatch_on_workers(utcnow()) == {"runs_sent": 3}
    queued = list(db.session.scalars(db.select(DispatchRun).order_by(DispatchRun.id)))
    assert [(r.kind, r.status) for r in queued] == [("county", "queued"), ("county", "queued"), ("border", "queued")]
    assert queued[2].after_run_ids == [queued[0].id, queued[1].id] and sent == [r.id for r in queued]
