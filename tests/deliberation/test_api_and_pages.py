"""Deliberation through the API and the pages: staff pages in Chinese, the public progress page without names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.core.timeutil import LOCAL_TZ
from app.deliberation import service
from app.extensions import db


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def test_meeting_to_reported_back_through_the_api(client, world, token_for) -> None:
    staff = token_for("staff")
    station = world.stations["PY-BY-01"].id
    made = client.post(
        "/api/v1/deliberation/meetings",
        headers=staff,
        json={
            "station_id": station,
            "held_on": _today().isoformat(),
            "title": "议事会",
            "attendees_count": 18,
            "topics": ["供暖"],
        },
    )
    assert made.status_code == 201, made.get_json()
    meeting = made.get_json()["id"]
    future = client.post(
        "/api/v1/deliberation/meetings",
        headers=staff,
        json={"station_id": station, "held_on": (_today() + timedelta(days=3)).isoformat(), "title": "x"},
    )
    assert future.status_code == 422 and "held_on" in future.get_json()["errors"]
    demand = client.post(
        "/api/v1/deliberation/demands",
        headers=staff,
        json={"meeting_id": meeting, "title": "暖气不热", "category": "heating"},
    ).get_json()
    assert demand["status"] == "collected" and demand["station_id"] == station
    bad = client.post(
        "/api/v1/deliberation/demands", headers=staff, json={"meeting_id": meeting, "title": "x", "category": "weather"}
    )
    assert bad.status_code == 422 and "category" in bad.get_json()["errors"]
    url = f"/api/v1/deliberation/demands/{demand['id']}"
    skipped = client.post(url + "/transition", headers=staff, json={"to_status": "done"})
    assert skipped.status_code == 409 and "to_status" in skipped.get_json()["errors"]
    due = (_today() + timedelta(days=5)).isoformat()
    accepted = client.post(url + "/transition", headers=staff, json={"to_status": "accepted", "due_on": due})
    assert accepted.get_json()["owner_id"] == world.users["staff"].id
    day = _today() + timedelta(days=2)
    window = {
        "start": datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ).isoformat(),
        "end": datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ).isoformat(),
    }
    placed = client.post(
        url + "/orders", headers=staff, json={"menu_item_id": world.menu_item("MI-15").id, "windows": [window]}
    )
    assert placed.status_code == 201, placed.get_json()
    assert client.get(url, headers=staff).get_json()["order_ids"] == [placed.get_json()["id"]]
    for step, note in (("done", ""), ("reported_back", "已检修管道，室温恢复正常")):
        assert (
            client.post(url + "/transition", headers=staff, json={"to_status": step, "note": note}).status_code == 200
        )
    events = client.get(url + "/events", headers=staff).get_json()
    assert [e["kind"] for e in events] == [
        "collected",
        "accepted",
        "order_placed",
        "in_progress",
        "done",
        "reported_back",
    ]
    assert client.get(url, headers=token_for("staff_b")).status_code == 404
    assert client.get("/api/v1/deliberation/demands", headers=token_for("volunteer")).status_code == 403
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/deliberation/demands/{demand_id}/transition" in paths


def test_staff_pages_in_chinese_and_the_public_progress_page(pages, world) -> None:
    pages.login("staff")
    station = world.stations["PY-BY-01"]
    created = pages.post(
        "/deliberation/meetings",
        data={
            "station_id": station.id,
            "held_on": _today().isoformat(),
            "title": "阳洼村议事会",
            "attendees_count": "15",
            "topics": "楼道堆物\n停车难",
            "attendee_names": "马秀英、李建国",
            "minutes": "会议纪要",
        },
    )
    assert created.status_code == 302
    meeting_url = created.headers["Location"]
    page = pages.get(meeting_url).get_data(as_text=True)
    assert "阳洼村议事会" in page and "楼道堆物、停车难" in page and "马秀英" in page and "添加诉求" in page
    meeting_id = int(meeting_url.rstrip("/").split("/")[-1])
    pages.post(f"/deliberation/meetings/{meeting_id}/demands", data={"title": "2号楼楼道堆物", "category": "stairwell"})
    demand = service.list_demands(user=world.users["staff"])[0]
    detail = pages.get(f"/deliberation/demands/{demand.id}").get_data(as_text=True)
    assert "已收集" in detail and "受理" in detail
    pages.post(
        f"/deliberation/demands/{demand.id}/move",
        data={
            "to_status": "accepted",
            "owner_id": world.users["staff"].id,
            "due_on": (_today() + timedelta(days=4)).isoformat(),
        },
    )
    db.session.expire_all()
    assert service.get_demand(user=world.users["staff"], demand_id=demand.id).status == "accepted"
    refused = pages.post(
        f"/deliberation/demands/{demand.id}/move", data={"to_status": "reported_back"}, follow_redirects=True
    ).get_data(as_text=True)
    # The states are named in Chinese inside the Chinese sentence, never as their codes.
    assert "处于“已受理”状态的诉求不能进行“已反馈”这一步" in refused
    assert "accepted" not in refused.split("处于", 1)[1][:40]
    index = pages.get("/deliberation/").get_data(as_text=True)
    assert "2号楼楼道堆物" in index and "议事协商" in index

    pages.post("/logout")
    public = pages.get(f"/progress/{station.code}").get_data(as_text=True)
    assert "2号楼楼道堆物" in public and "已受理" in public
    assert "马秀英" not in public and "staff" not in public  # no attendee or owner names
    assert pages.get("/progress/NOPE").status_code == 404
    english = pages.get(f"/progress/{station.code}?lang=en").get_data(as_text=True)
    assert "Accepted" in english
