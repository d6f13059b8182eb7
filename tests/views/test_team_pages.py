"""The team lead's inbox, run dispatch now, availability, team and volunteer management."""

from __future__ import annotations

from app.dispatch.models import DispatchRun, Proposal
from app.dispatch.runs import run_dispatch_for_counties
from app.extensions import db as _db
from app.orders.models import Order
from app.volunteers.models import Volunteer


def test_inbox_shows_the_engines_reasons(pages, world, make_order) -> None:
    make_order("dispatched")
    pages.login("lead_v")
    body = pages.get("/inbox").get_data(as_text=True)
    assert "为什么派给这支队伍和这些人" in body and "路程（公里，往返）" in body
    assert "接单" in body and "婉拒" in body


def test_lead_accepts_in_one_tap(pages, world, make_order) -> None:
    order_id = make_order("dispatched")
    proposal = _db.session.scalar(_db.select(Proposal).where(Proposal.order_id == order_id))
    pages.login("lead_v")
    response = pages.post(f"/proposals/{proposal.id}/accept", follow_redirects=True)
    assert "已接单，已通知服务人员" in response.get_data(as_text=True)
    assert _db.session.get(Order, order_id).status == "accepted"


def test_decline_needs_a_reason(pages, world, make_order) -> None:
    order_id = make_order("dispatched")
    proposal = _db.session.scalar(_db.select(Proposal).where(Proposal.order_id == order_id))
    pages.login("lead_v")
    body = pages.post(f"/proposals/{proposal.id}/decline", data={}, follow_redirects=True).get_data(as_text=True)
    assert "请说明婉拒的原因" in body
    assert _db.session.get(Proposal, proposal.id).status == "pending"
    pages.post(f"/proposals/{proposal.id}/decline", data={"preset": "路程太远", "reason": ""})
    declined = _db.session.get(Proposal, proposal.id)
    assert declined.status == "declined" and declined.decline_reason == "路程太远"


def test_other_leads_cannot_answer(pages, world, make_order) -> None:
    order_id = make_order("dispatched")
    proposal = _db.session.scalar(_db.select(Proposal).where(Proposal.order_id == order_id))
    pages.login("lead_c")
    assert pages.post(f"/proposals/{proposal.id}/accept").status_code == 404
    pages.login("resident")
    assert pages.get("/inbox").status_code == 403


def test_swap_shows_the_services_refusal(pages, world, make_order) -> None:
    order_id = make_order("dispatched")
    proposal = _db.session.scalar(_db.select(Proposal).where(Proposal.order_id == order_id))
    out_id = proposal.crew[0].volunteer_id
    pages.login("lead_v")
    body = pages.post(
        f"/proposals/{proposal.id}/swap",
        data={"out_volunteer_id": out_id, "in_volunteer_id": world.volunteers["v5"].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "替换人员必须是本队在岗队员" in body


def test_county_runs_dispatch_now(pages, world, make_order) -> None:
    make_order()
    pages.login("county")
    response = pages.post("/dispatch", follow_redirects=True)
    body = response.get_data(as_text=True)
    # The request only queues the run; the page polls it while it waits.
    run = _db.session.scalar(_db.select(DispatchRun))
    assert "派单已开始" in body and run.status == "queued"
    assert f'data-live-run="/dispatch/runs/{run.id}/state"' in body
    assert pages.get(f"/dispatch/runs/{run.id}/state").get_json()["label"] == "排队中"
    from app.dispatch.queue import execute_run

    assert execute_run(run_id=run.id, host="test") == "done"
    state = pages.get(f"/dispatch/runs/{run.id}/state").get_json()
    assert state["finished"] is True and state["label"] == "完成"
    assert "data-live-run" not in pages.get("/dispatch").get_data(as_text=True)
    assert _db.session.scalar(_db.select(_db.func.count(DispatchRun.id))) == 1


def test_station_staff_see_runs_but_cannot_run(pages, world) -> None:
    run_dispatch_for_counties(county_code="PY", trigger="scheduled", actor=None, time_limit=1)
    _db.session.commit()
    pages.login("town")
    page = pages.get("/dispatch")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="last-run"' in html and ">scheduled<" in html  # the county's run, with its figures
    assert 'data-testid="run-dispatch"' not in html
    assert pages.post("/dispatch").status_code == 403
    pages.login("volunteer")
    assert pages.get("/dispatch").status_code == 403


def test_availability_editor_saves_weekly_slots_and_days_off(pages, world) -> None:
    pages.login("volunteer")
    assert "周一" in pages.get("/me/availability").get_data(as_text=True)
    form = {
        "slot-0-0-start": "08:00",
        "slot-0-0-end": "12:00",
        "slot-2-1-start": "14:00",
        "slot-2-1-end": "24:00",
        "day_off": "2030-01-02",
        "day_off_note": "探亲",
    }
    assert pages.post("/me/availability", data=form).status_code == 302
    volunteer = _db.session.get(Volunteer, world.volunteers["v1"].id)
    slots = [(s.weekday, s.start_minute, s.end_minute) for s in volunteer.availability]
    assert slots == [(0, 480, 720), (2, 840, 1440)]
    assert [(e.day.isoformat(), e.available, e.note) for e in volunteer.exceptions] == [("2030-01-02", False, "探亲")]


def test_availability_editor_refuses_bad_times(pages, world) -> None:
    pages.login("volunteer")
    body = pages.post("/me/availability", data={"slot-0-0-start": "12:00", "slot-0-0-end": "08:00"}).get_data(
        as_text=True
    )
    assert "开始时间必须早于结束时间" in body
    assert len(_db.session.get(Volunteer, world.volunteers["v1"].id).availability) == 7


def test_an_invalid_day_off_is_refused_on_screen(pages, world) -> None:
    pages.login("volunteer")
    before = len(_db.session.get(Volunteer, world.volunteers["v1"].id).availability)
    response = pages.post(
        "/me/availability", data={"slot-0-0-start": "08:00", "slot-0-0-end": "12:00", "day_off": "2030-13-45"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="field-error"' in body and "2026-12-24" in body
    assert len(_db.session.get(Volunteer, world.volunteers["v1"].id).availability) == before


def test_lead_sees_team_roster_and_availability(pages, world) -> None:
    pages.login("lead_v")
    body = pages.get("/team").get_data(as_text=True)
    assert "阳洼村文明践行队" in body and "志愿者V1" in body and "8–20" in body
    assert pages.get(f"/teams/{world.teams['T-C'].id}").status_code == 404


def test_staff_deactivate_a_volunteer(pages, world) -> None:
    volunteer_id = world.volunteers["v2"].id
    pages.login("county")
    assert pages.get("/volunteers").status_code == 200
    response = pages.post(
        f"/volunteers/{volunteer_id}",
        data={"team_id": world.teams["T-V-A1"].id, "max_orders_per_week": 2, "max_km": "", "phone": ""},
    )
    assert response.status_code == 302
    volunteer = _db.session.get(Volunteer, volunteer_id)
    assert volunteer.active is False and volunteer.max_orders_per_week == 2


def test_volunteers_do_not_manage(pages, world) -> None:
    pages.login("volunteer")
    assert pages.get("/volunteers").status_code == 403
    assert pages.get("/teams").status_code == 403


def test_menu_management_is_for_county_staff(pages, world) -> None:
    item = world.menu_item("MI-01")
    pages.login("staff")
    assert pages.get("/manage/menu").status_code == 403
    pages.login("county")
    assert "MI-01" in pages.get("/manage/menu").get_data(as_text=True)
    form = {
        "title": "理论宣讲（新）",
        "title_en": "",
        "description": "",
        "mode": "lecture",
        "duration_minutes": 60,
        "default_priority": 3,
        "orderable_by": "resident",
    }
    assert pages.post(f"/manage/menu/{item.id}", data=form).status_code == 302
    _db.session.refresh(item)
    assert item.title == "理论宣讲（新）" and item.active is False


def test_menu_item_is_created_with_its_need(pages, world) -> None:
    pages.login("county")
    form = {
        "code": "MI-99",
        "priority": "culture",
        "title": "剪纸",
        "mode": "culture",
        "duration_minutes": 90,
        "default_priority": 2,
        "orderable_by": "resident",
        "need_skill": "calligraphy",
        "need_count": 1,
        "active": "y",
    }
    assert pages.post("/manage/menu/new", data=form).status_code == 302
    item = world.menu_item("MI-99")
    assert item.active and item.needs[0].skill.code == "calligraphy"
    again = pages.post("/manage/menu/new", data=form).get_data(as_text=True)
    assert "编号已被使用" in again
