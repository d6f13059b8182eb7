"""Roster REST API: who sees which roster, versions, CSV and XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.rosters import service
from tests.rosters.builders import T0, W49, accepted_job, local


@pytest.fixture()
def two_jobs(db, at_t0):
    world = at_t0
    jobs = [
        accepted_job(world, start=local(W49 + timedelta(days=3), 9)),
        accepted_job(world, start=local(W49 + timedelta(days=4), 14)),
    ]
    db.session.commit()
    return world, jobs


def test_lead_gets_the_team_roster(client, token_for, two_jobs) -> None:
    world, jobs = two_jobs
    team = world.teams["T-V-A1"]
    body = client.get(f"/api/v1/rosters?team_id={team.id}&week=2026-W49", headers=token_for("lead_v")).get_json()
    assert body["kind"] == "team" and body["owner_id"] == team.id and body["week"] == "2026-W49"
    assert body["version"] is None and body["versions"] == []
    assert [e["order_code"] for e in body["entries"]] == [j.order.code for j in jobs]
    assert {c["code"] for c in body["entries"][0]["crew"]} == {"V1", "V2"}


# Who sees which roster: (user, roster kind, team or volunteer, expected status).
ACCESS = [
    ("lead_v", "team", "T-V-A1", 200),
    ("county", "team", "T-V-A1", 200),
    ("staff", "team", "T-V-A1", 200),
    ("staff_b", "team", "T-V-A1", 404),  # another village's staff
    ("lead_t", "team", "T-V-A1", 404),  # another team's lead
    ("volunteer", "team", "T-V-A1", 404),  # volunteers see their own roster, not the team's
    ("resident", "team", "T-V-A1", 404),
    ("volunteer", "volunteer", "v1", 200),
    ("volunteer", "volunteer", "v2", 404),
    ("lead_v", "volunteer", "v2", 200),
    ("lead_t", "volunteer", "v2", 404),
    ("admin", "volunteer", "v2", 200),
]


def test_each_role_sees_only_its_rosters(client, token_for, two_jobs) -> None:
    world, _ = two_jobs
    headers = {username: token_for(username) for username in {case[0] for case in ACCESS}}
    for username, kind, key, status in ACCESS:
        owner_id = world.teams[key].id if kind == "team" else world.volunteers[key].id
        for path in (f"?{kind}_id={owner_id}&week=2026-W49", f"/{kind}/{owner_id}.csv", f"/{kind}/{owner_id}.ics"):
            got = client.get(f"/api/v1/rosters{path}", headers=headers[username]).status_code
            assert got == status, (username, path)


def test_query_is_validated(client, token_for, two_jobs) -> None:
    world, _ = two_jobs
    headers = token_for("county")
    both = client.get(
        f"/api/v1/rosters?team_id={world.teams['T-V-A1'].id}&volunteer_id={world.volunteers['v1'].id}",
        headers=headers,
    )
    assert both.status_code == 422 and "team_id" in both.get_json()["errors"]
    bad_week = client.get(f"/api/v1/rosters?team_id={world.teams['T-V-A1'].id}&week=2026-49", headers=headers)
    assert bad_week.status_code == 422 and "week" in bad_week.get_json()["errors"]
    assert client.get("/api/v1/rosters?team_id=1").status_code == 401


def test_versions_are_served_with_their_changes(client, token_for, two_jobs) -> None:
    world, jobs = two_jobs
    team_id = world.teams["T-V-A1"].id
    service.publish_rosters(week=W49, now=T0)
    db.session.commit()
    headers = token_for("lead_v")
    cancel = client.post(
        f"/api/v1/orders/{jobs[1].order_id}/cancel", json={"reason": "改期"}, headers=token_for("staff")
    )
    assert cancel.status_code == 200
    published = client.post("/api/v1/rosters/publish", json={"week": "2026-W49"}, headers=token_for("county"))
    assert published.get_json() == {"week": "2026-W49", "teams": 1, "volunteers": 2, "unchanged": 0}
    assert client.post("/api/v1/rosters/publish", json={}, headers=headers).status_code == 403

    live = client.get(f"/api/v1/rosters?team_id={team_id}&week=2026-W49", headers=headers).get_json()
    assert live["versions"] == [1, 2] and live["version"] is None
    assert [e["order_code"] for e in live["entries"]] == [jobs[0].order.code]
    assert live["changes"]["removed"][0]["order_code"] == jobs[1].order.code
    first = client.get(f"/api/v1/rosters?team_id={team_id}&week=2026-W49&version=1", headers=headers).get_json()
    assert first["version"] == 1 and len(first["entries"]) == 2
    missing = client.get(f"/api/v1/rosters?team_id={team_id}&week=2026-W49&version=9", headers=headers)
    assert missing.status_code == 404


def test_csv_and_xlsx_exports(client, token_for, two_jobs) -> None:
    world, jobs = two_jobs
    headers = token_for("volunteer")
    volunteer_id = world.volunteers["v1"].id
    response = client.get(f"/api/v1/rosters/volunteer/{volunteer_id}.csv?week=2026-W49", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("2026-12-03,09:00,") and jobs[0].order.code in lines[1]
    assert lines[1].endswith("助老服务")

    response = client.get(f"/api/v1/rosters/volunteer/{volunteer_id}.xlsx?week=2026-W49", headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][0] == "2026-12-03" and rows[2][7] == jobs[1].order.code
