"""Dispatch: the instance the service builds, the plan it stores, expiry, escalation and crew swaps."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import matching
from app.core.timeutil import set_clock, utcnow
from app.dispatch import adapter, crew, proposals
from app.dispatch.models import Proposal
from app.orders.models import Order
from tests.orders.test_lifecycle_api import dispatch as dispatch_api
from tests.orders.test_lifecycle_api import place, tomorrow_window


def test_built_instance_is_valid_and_solution_passes_check(client, world, token_for, db, tmp_path) -> None:
    staff = token_for("staff")
    place(client, staff, world)
    place(client, staff, world, item="MI-25", windows=[tomorrow_window(14, 18)])
    place(client, staff, world, item="MI-16")  # needs 2 medical + first aid: nobody can
    problem = adapter.build_problem(county=world.stations["PY"], now=utcnow())
    instance = matching.instance_from_dict(problem.instance_dict | {"orders": list(problem.order_rows.values())})
    solution = matching.solve(instance, time_limit=2)
    assert matching.validate(instance, solution) == []
    (tmp_path / "i.json").write_text(json.dumps(matching.instance_to_dict(instance)))
    (tmp_path / "s.json").write_text(json.dumps(matching.solution_to_dict(solution)))
    checked = subprocess.run(
        [sys.executable, "-m", "matching", "check", str(tmp_path / "i.json"), str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert len(solution.assignments) == 2
    assert len(solution.unassigned) == 1 and solution.unassigned[0].reason


def test_village_order_excludes_other_tiers_until_it_escalates(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world)
    problem = adapter.build_problem(county=world.stations["PY"], now=utcnow())
    row = problem.order_rows[f"o-{order['id']}"]
    assert set(row["exclude_teams"]) == {f"tm-{world.teams['T-T-A'].id}", f"tm-{world.teams['T-C'].id}"}


def test_unplaceable_order_escalates_and_records_reason(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world, item="MI-16")
    runs = dispatch_api(client, token_for("county"))
    assert runs[0]["orders_unassigned"] == 1
    assert runs[0]["details"]["unassigned"][0]["reason"]
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=token_for("staff")).get_json()
    assert shown["tier"] == "county"
    assert shown["unassigned_reason"]
    kinds = [
        e["kind"] for e in client.get(f"/api/v1/orders/{order['id']}/events", headers=token_for("county")).get_json()
    ]
    assert kinds.count("escalated") == 2 and kinds[-1] == "not_placed"
    # A second run with nothing new does not repeat the same reason in the log.
    dispatch_api(client, token_for("county"))
    again = [
        e["kind"] for e in client.get(f"/api/v1/orders/{order['id']}/events", headers=token_for("county")).get_json()
    ]
    assert again.count("not_placed") == 1


def test_pending_proposal_blocks_the_crew_for_the_next_run(client, world, token_for, db) -> None:
    staff, county = token_for("staff"), token_for("county")
    first = place(client, staff, world, item="MI-15")  # both village elder-care volunteers
    dispatch_api(client, county)
    second = place(client, staff, world, item="MI-15")
    dispatch_api(client, county)
    shown = client.get(f"/api/v1/orders/{second['id']}", headers=staff).get_json()
    assert shown["status"] == "submitted"  # nobody else holds two elder-care volunteers at that time
    assert client.get(f"/api/v1/orders/{first['id']}", headers=staff).get_json()["status"] == "dispatched"


def test_unanswered_proposal_expires_and_order_escalates(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world, item="MI-25")
    dispatch_api(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    assert proposals.expire_overdue_proposals(now=proposal.deadline_at - timedelta(seconds=1)) == []
    expired = proposals.expire_overdue_proposals(now=proposal.deadline_at)
    db.session.commit()
    assert [p.id for p in expired] == [proposal.id]
    assert proposal.status == "expired"
    reopened = db.session.get(Order, order["id"])
    assert reopened.status == "submitted" and reopened.tier == "township"
    assert reopened.excluded_team_ids == {world.teams["T-V-A1"].id}
    # Running the job again changes nothing more.
    assert proposals.expire_overdue_proposals(now=proposal.deadline_at + timedelta(hours=1)) == []


def test_answering_after_the_deadline_is_refused(client, world, token_for, db) -> None:
    place(client, token_for("staff"), world, item="MI-25")
    dispatch_api(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    set_clock(proposal.deadline_at + timedelta(minutes=1))
    response = client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v"))
    assert response.status_code == 409
    assert "deadline_at" in response.get_json()["errors"]


def test_order_expires_when_windows_pass(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world)
    end = db.session.get(Order, order["id"]).windows[-1].end_at
    assert crew.expire_stale_orders(now=end - timedelta(minutes=1)) == []
    expired = crew.expire_stale_orders(now=end)
    db.session.commit()
    assert [o.id for o in expired] == [order["id"]]
    assert db.session.get(Order, order["id"]).status == "expired"
    assert crew.expire_stale_orders(now=end + timedelta(days=1)) == []
    events = db.session.get(Order, order["id"]).events
    assert events[-1].kind == "expired" and events[-1].reason


def test_only_the_lead_answers(client, world, token_for, db) -> None:
    place(client, token_for("staff"), world, item="MI-25")
    dispatch_api(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_t")).status_code == 404
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("staff")).status_code == 403
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v")).status_code == 200


def test_swap_crew_member(client, world, token_for, db) -> None:
    place(client, token_for("staff"), world, item="MI-25")
    dispatch_api(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    member = proposal.crew[0].volunteer
    assert member.code == "V2"  # the village's only policy lecturer
    lead = token_for("lead_v")
    wrong = client.post(
        f"/api/v1/proposals/{proposal.id}/swap",
        json={"out_volunteer_id": member.id, "in_volunteer_id": world.volunteers["v1"].id},
        headers=lead,
    )
    assert wrong.status_code == 422
    assert "in_volunteer_id" in wrong.get_json()["errors"]
    world.volunteers["v1"].skills.append(proposal.crew[0].skill)
    db.session.commit()
    swapped = client.post(
        f"/api/v1/proposals/{proposal.id}/swap",
        json={"out_volunteer_id": member.id, "in_volunteer_id": world.volunteers["v1"].id},
        headers=lead,
    )
    assert swapped.status_code == 200, swapped.get_json()
    assert [m["volunteer_id"] for m in swapped.get_json()["crew"]] == [world.volunteers["v1"].id]


def test_dispatch_needs_county_staff(client, world, token_for) -> None:
    response = client.post("/api/v1/dispatch/runs", json={}, headers=token_for("lead_v"))
    assert response.status_code == 403
    runs = client.get("/api/v1/dispatch/runs", headers=token_for("county"))
    assert runs.status_code == 200


def test_window_ignores_too_soon_starts(client, world, token_for, db) -> None:
    """Orders are not proposed to start before the minimum lead time."""
    order = place(client, token_for("staff"), world, windows=[tomorrow_window(8, 20)])
    set_clock(db.session.get(Order, order["id"]).windows[0].start_at - timedelta(minutes=30))
    problem = adapter.build_problem(county=world.stations["PY"], now=utcnow())
    assert problem.order_rows[f"o-{order['id']}"]["windows"][0][0] >= 120
