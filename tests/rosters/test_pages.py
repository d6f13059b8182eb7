"""Roster pages: web, printable, downloads, calendar link; and the scheduler's staff page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.scheduling.models import JobRun
from tests.rosters.builders import T0, W49, accepted_job, local


@pytest.fixture()
def job(db, at_t0):
    proposal = accepted_job(at_t0, start=local(W49 + timedelta(days=3), 9))
    db.session.commit()
    return proposal


def test_roster_page_print_and_download(client, login, at_t0, job) -> None:
    world = at_t0
    login(world.users["lead_v"])
    team_id = world.teams["T-V-A1"].id
    page = client.get(f"/rosters/team/{team_id}?week=2026-W49")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert job.order.code in html and "09:00" in html and "2026-W49" in html
    printable = client.get(f"/rosters/team/{team_id}/print?week=2026-W49")
    assert printable.status_code == 200 and "size: A4" in printable.get_data(as_text=True)
    csv = client.get(f"/rosters/team/{team_id}/roster.csv?week=2026-W49")
    assert csv.status_code == 200 and job.order.code in csv.data.decode()
    xlsx = client.get(f"/rosters/team/{team_id}/roster.xlsx?week=2026-W49")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get(f"/rosters/team/{team_id}?week=2026-49").status_code == 400


def test_my_roster_and_calendar_link(client, login, at_t0, job) -> None:
    world = at_t0
    login(world.users["volunteer"])
    mine = client.get("/rosters/")
    assert mine.status_code == 302 and mine.headers["Location"].endswith(
        f"/rosters/volunteer/{world.volunteers['v1'].id}"
    )
    page = client.get(mine.headers["Location"] + "?week=2026-W49").get_data(as_text=True)
    assert ".ics?token=" not in page
    made = client.post("/rosters/feed-token", data={"next": "/rosters/volunteer/1?week=2026-W49"})
    assert made.status_code == 302 and made.headers["Location"].startswith("/rosters/volunteer/")
    page = client.get(f"/rosters/volunteer/{world.volunteers['v1'].id}?week=2026-W49").get_data(as_text=True)
    assert ".ics?token=" in page
    # Never redirect off-site.
    assert client.post("/rosters/feed-token", data={"next": "https://evil.example/"}).headers["Location"] == "/rosters/"
    assert client.get(f"/rosters/team/{world.teams['T-V-A1'].id}").status_code == 404


def test_pages_need_a_session(client, at_t0) -> None:
    response = client.get("/rosters/")
    assert response.status_code == 302 and "login" in response.headers["Location"]


def test_scheduler_page_for_county_staff_only(client, login, db, at_t0, job) -> None:
    db.session.add(JobRun(job="order_expiry", started_at=T0, finished_at=T0, outcome="failed", error="Boom: broke"))
    db.session.commit()
    login(at_t0.users["county"])
    page = client.get("/admin/scheduler/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Jobs, outcomes and outbox states are named in the reader's language.
    assert "过期未服务的订单" in html and "Boom: broke" in html and "发布每周排班表" in html
    assert "等待发送: 2" in html  # the lead told of the proposal, the resident of the acceptance
    assert ">failed<" not in html and "失败" in html
    login(at_t0.users["lead_v"])
    assert client.get("/admin/scheduler/").status_code == 403
