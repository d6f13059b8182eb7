"""Check-in that means something: inside a window, proven by the station's rotating code or the lead, hours
clipped to the job and counted once the lead confirms them, corrections asked for and decided, never typed over."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.timeutil import set_clock
from app.dispatch.crew import accepted_proposal
from app.extensions import db
from app.orders.models import Order, ServiceRecord
from app.stations.service import station_code, station_code_matches
from app.volunteers.models import Volunteer


@pytest.fixture()
def real_window(app, monkeypatch):
    """The production setting: check-in opens 30 minutes before the start."""
    monkeypatch.setitem(app.config, "CHECK_IN_OPENS_MINUTES", 30)


def _plan(order_id: int):
    order = db.session.get(Order, order_id)
    return order, accepted_proposal(order)


def _own_volunteer(world) -> int:
    return db.session.scalar(db.select(Volunteer.id).where(Volunteer.user_id == world.users["volunteer"].id))


def test_check_in_only_inside_the_window(client, world, token_for, make_order, real_window) -> None:
    order, proposal = _plan(make_order("accepted"))
    headers = token_for("lead_v")
    member = proposal.crew[0].volunteer_id
    set_clock(proposal.start_at - timedelta(minutes=31))
    early = client.post(f"/api/v1/orders/{order.id}/check-in", json={"volunteer_id": member}, headers=headers)
    assert early.status_code == 409 and early.get_json()["code"] == "check_in_not_open"
    set_clock(proposal.end_at + timedelta(minutes=1))
    late = client.post(f"/api/v1/orders/{order.id}/check-in", json={"volunteer_id": member}, headers=headers)
    assert late.status_code == 409 and late.get_json()["code"] == "check_in_closed"
    set_clock(proposal.start_at - timedelta(minutes=30))
    ok = client.post(f"/api/v1/orders/{order.id}/check-in", json={"volunteer_id": member}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["presence"] == "lead"
    assert db.session.get(Order, order.id).status == "in_service"


def test_a_volunteer_proves_presence_with_the_station_code(client, world, token_for, make_order) -> None:
    order, proposal = _plan(make_order("accepted"))
    headers = token_for("volunteer")
    url = f"/api/v1/orders/{order.id}/check-in"
    missing = client.post(url, json={}, headers=headers)
    assert missing.status_code == 422 and "station_code" in missing.get_json()["errors"]
    other_station = station_code(station_id=world.stations["PY-CM-01"].id).code
    wrong = client.post(url, json={"station_code": other_station}, headers=headers)
    assert wrong.status_code == 422 and "station_code" in wrong.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(ServiceRecord.id))) == 0
    code = station_code(station_id=order.station_id).code
    ok = client.post(url, json={"station_code": code}, headers=headers)
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["presence"] == "station_code"


def test_station_codes_rotate_and_the_last_one_still_counts(app, world) -> None:
    station = world.stations["PY-BY-01"].id
    now = station_code(station_id=station)
    slot = timedelta(minutes=app.config["STATION_CODE_MINUTES"])
    assert len(now.code) == 6 and now.code.isdigit()
    later = now.valid_until + timedelta(seconds=1)
    assert station_code(station_id=station, at=later).code != now.code
    assert station_code_matches(station_id=station, code=now.code, at=later)
    assert not station_code_matches(station_id=station, code=now.code, at=later + slot)
    assert station_code(station_id=world.stations["PY-BY-02"].id).code != now.code


def test_hours_are_clipped_to_the_job_and_count_once_the_lead_confirms(
    client, world, token_for, make_order, real_window
) -> None:
    order, proposal = _plan(make_order("accepted"))
    me = _own_volunteer(world)
    headers = token_for("volunteer")
    set_clock(proposal.start_at - timedelta(minutes=20))
    code = station_code(station_id=order.station_id).code
    assert (
        client.post(f"/api/v1/orders/{order.id}/check-in", json={"station_code": code}, headers=headers).status_code
        == 201
    )
    set_clock(proposal.end_at + timedelta(hours=2))
    out = client.post(f"/api/v1/orders/{order.id}/check-out", json={}, headers=headers).get_json()
    planned = round((proposal.end_at - proposal.start_at).total_seconds() / 60)
    assert out["measured_minutes"] == planned
    assert out["minutes"] is None and out["confirmed_at"] is None
    record = db.session.scalar(db.select(ServiceRecord).where(ServiceRecord.volunteer_id == me))
    assert client.post(f"/api/v1/service-records/{record.id}/confirm", headers=headers).status_code == 403
    confirmed = client.post(f"/api/v1/service-records/{record.id}/confirm", headers=token_for("lead_v"))
    assert confirmed.status_code == 200 and confirmed.get_json()["minutes"] == planned
    again = client.post(f"/api/v1/service-records/{record.id}/confirm", headers=token_for("lead_v"))
    assert again.status_code == 409


def test_a_one_minute_stay_is_one_minute(client, world, token_for, make_order, real_window) -> None:
    order, proposal = _plan(make_order("accepted"))
    lead = token_for("lead_v")
    member = proposal.crew[0].volunteer_id
    set_clock(proposal.start_at + timedelta(minutes=10))
    client.post(f"/api/v1/orders/{order.id}/check-in", json={"volunteer_id": member}, headers=lead)
    set_clock(proposal.start_at + timedelta(minutes=11))
    out = client.post(f"/api/v1/orders/{order.id}/check-out", json={"volunteer_id": member}, headers=lead)
    # Recorded by the lead, so confirmed at once, but worth one minute and no more.
    assert out.get_json()["minutes"] == 1


def test_corrections_are_requested_and_decided_not_typed_over(
    client, world, token_for, make_order, real_window
) -> None:
    order, proposal = _plan(make_order("accepted"))
    volunteer = token_for("volunteer")
    lead = token_for("lead_v")
    set_clock(proposal.start_at + timedelta(minutes=40))
    code = station_code(station_id=order.station_id).code
    client.post(f"/api/v1/orders/{order.id}/check-in", json={"station_code": code}, headers=volunteer)
    set_clock(proposal.start_at + timedelta(minutes=50))
    record_id = client.post(f"/api/v1/orders/{order.id}/check-out", json={}, headers=volunteer).get_json()["id"]
    set_clock(proposal.end_at + timedelta(hours=1))
    body = {
        "check_in_at": proposal.start_at.isoformat(),
        "check_out_at": proposal.end_at.isoformat(),
        "reason": "手机没电，到了才签到",
    }
    asked = client.post(f"/api/v1/service-records/{record_id}/corrections", json=body, headers=volunteer)
    assert asked.status_code == 201, asked.get_json()
    assert db.session.get(ServiceRecord, record_id).measured_minutes == 10  # nothing changed yet
    twice = client.post(f"/api/v1/service-records/{record_id}/corrections", json=body, headers=volunteer)
    assert twice.status_code == 409
    correction = asked.get_json()["id"]
    assert client.post(f"/api/v1/service-corrections/{correction}/approve", headers=volunteer).status_code == 403
    approved = client.post(f"/api/v1/service-corrections/{correction}/approve", headers=lead).get_json()
    assert approved["status"] == "approved"
    assert approved["previous_check_in_at"] == (proposal.start_at + timedelta(minutes=40)).isoformat()
    record = db.session.get(ServiceRecord, record_id)
    planned = round((proposal.end_at - proposal.start_at).total_seconds() / 60)
    assert record.measured_minutes == planned and record.minutes == planned and record.confirmed_by_id
    assert client.post(f"/api/v1/service-corrections/{correction}/reject", headers=lead).status_code == 409


def test_a_rejected_correction_leaves_the_record_alone(client, world, token_for, make_order, real_window) -> None:
    order, proposal = _plan(make_order("accepted"))
    volunteer = token_for("volunteer")
    set_clock(proposal.start_at)
    code = station_code(station_id=order.station_id).code
    client.post(f"/api/v1/orders/{order.id}/check-in", json={"station_code": code}, headers=volunteer)
    set_clock(proposal.start_at + timedelta(minutes=30))
    record_id = client.post(f"/api/v1/orders/{order.id}/check-out", json={}, headers=volunteer).get_json()["id"]
    body = {
        "check_in_at": (proposal.start_at - timedelta(hours=5)).isoformat(),
        "check_out_at": (proposal.start_at + timedelta(minutes=29)).isoformat(),
        "reason": "多报",
    }
    bad_order = {**body, "check_out_at": body["check_in_at"]}
    refused = client.post(f"/api/v1/service-records/{record_id}/corrections", json=bad_order, headers=volunteer)
    assert refused.status_code == 422 and "check_out_at" in refused.get_json()["errors"]
    correction = client.post(f"/api/v1/service-records/{record_id}/corrections", json=body, headers=volunteer)
    rejected = client.post(
        f"/api/v1/service-corrections/{correction.get_json()['id']}/reject", headers=token_for("lead_v")
    )
    assert rejected.get_json()["status"] == "rejected"
    record = db.session.get(ServiceRecord, record_id)
    assert record.check_in_at == proposal.start_at and record.minutes is None and record.measured_minutes == 30


def test_station_page_shows_the_code_to_staff_only(pages, world, client, token_for) -> None:
    station = world.stations["PY-BY-01"].id
    pages.login("staff")
    page = pages.get(f"/stations/{station}/code").get_data(as_text=True)
    code = station_code(station_id=station).code
    assert f"{code[:3]} {code[3:]}" in page and "<svg" in page
    assert (
        client.get(f"/api/v1/stations/{station}/check-in-code", headers=token_for("staff")).get_json()["code"] == code
    )
    assert client.get(f"/api/v1/stations/{station}/check-in-code", headers=token_for("volunteer")).status_code == 403
    other = world.stations["PY-CM-01"].id
    assert client.get(f"/api/v1/stations/{other}/check-in-code", headers=token_for("staff")).status_code == 404


def test_unconfirmed_hours_earn_no_hours_until_the_lead_confirms(pages, world, make_order) -> None:
    from app.dispatch import crew
    from tests.views.conftest import user

    order, proposal = _plan(make_order("accepted"))
    me = _own_volunteer(world)
    other = next(m.volunteer_id for m in proposal.crew if m.volunteer_id != me)
    lead = user(world, "lead_v")
    crew.check_in(user=lead, order_id=order.id, volunteer_id=other)
    crew.check_out(user=lead, order_id=order.id, volunteer_id=other)
    db.session.commit()
    pages.login("volunteer")
    pages.post(f"/orders/{order.id}/check-in", data={"station_code": station_code(station_id=order.station_id).code})
    record = db.session.scalar(db.select(ServiceRecord).where(ServiceRecord.volunteer_id == me))
    set_clock(max(record.check_in_at, proposal.start_at) + timedelta(minutes=90))
    pages.post(f"/orders/{order.id}/check-out", data={})
    assert db.session.get(Order, order.id).status == "completed"
    assert "等待队长确认" in pages.get(f"/orders/{order.id}").get_data(as_text=True)
    assert _hours(pages) == "0.0"
    pages.login("lead_v")
    pages.post(f"/orders/{order.id}/records/{record.id}/confirm")
    pages.login("volunteer")
    assert _hours(pages) == "1.5"


def _hours(pages) -> str:
    """The 'hours of service' figure on the volunteer's own page."""
    import re

    body = pages.get("/me").get_data(as_text=True)
    return re.search(r'<div class="value">([\d.]+)</div><div class="label">服务时长', body).group(1)
