"""Visit campaigns through the API and the pages: household import with its per-row report, planning and
re-planning, outcomes recorded by the assigned volunteer, the scope of who sees addresses, and the pages."""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, timedelta

from openpyxl import Workbook

from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.visits import planner, service
from app.visits.models import Household, Visit

ADDRESS = "白阳镇阳洼村三组12号"
CSV_HEAD = "编号,地址,纬度,经度,标签,站点\n"


def _upload(client, headers, text: str, name: str = "households.csv"):  # noqa: ANN001
    return client.post(
        "/api/v1/visits/household-imports",
        headers=headers,
        data={"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def _households(count: int, station: str = "PY-BY-01") -> str:
    rows = [
        f"H{i:03d},白阳镇阳洼村{i}组{i}号,{35.87 + 0.0009 * i:.5f},106.66,独居老人、消防隐患,{station}"
        for i in range(count)
    ]
    return CSV_HEAD + "\n".join(rows) + "\n"


def _import(client, headers, count: int = 6) -> None:  # noqa: ANN001
    preview = _upload(client, headers, _households(count)).get_json()
    done = client.post(f"/api/v1/visits/household-imports/{preview['id']}/commit", headers=headers, json={})
    assert done.status_code == 200, done.get_json()


def _campaign(client, headers, world, **extra):  # noqa: ANN001
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    body = {
        "station_id": world.stations["PY-BY-01"].id,
        "title": "冬季消防安全入户走访",
        "topic": "fire_safety",
        "starts_on": tomorrow.isoformat(),
        "ends_on": (tomorrow + timedelta(days=1)).isoformat(),
        "target_tags": ["elderly_alone"],
        "volunteer_ids": [world.volunteers["v1"].id, world.volunteers["v2"].id],
        "visit_minutes": 20,
        "max_visits_per_shift": 2,
        **extra,
    }
    made = client.post("/api/v1/visits/campaigns", headers=headers, json=body)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_import_reports_every_faulty_row_and_imports_only_when_told(client, world, token_for) -> None:
    staff = token_for("staff")
    text = CSV_HEAD + (
        "H1,白阳镇阳洼村一组1号,35.87,106.66,独居老人,PY-BY-01\n"
        "H2,,95,106.66,,PY-BY-01\n"
        "H3,草庙村,35.96,106.49,,PY-CM-01\n"
        "H1,白阳镇阳洼村一组2号,35.87,abc,天气,PY-BY-01\n"
    )
    preview = _upload(client, staff, text)
    assert preview.status_code == 201, preview.get_json()
    body = preview.get_json()
    assert (body["valid"], body["invalid"]) == (1, 3)
    errors = {row["line"]: set(row["errors"]) for row in body["rows"]}
    assert errors == {2: set(), 3: {"address", "lat"}, 4: {"station"}, 5: {"code", "lon", "tags"}}
    assert "阳洼村" not in preview.get_data(as_text=True), "the preview does not echo addresses"
    url = f"/api/v1/visits/household-imports/{body['id']}/commit"
    refused = client.post(url, headers=staff, json={})
    assert refused.status_code == 422 and "rows" in refused.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(Household.id))) == 0
    fresh = _upload(client, staff, text).get_json()
    url = f"/api/v1/visits/household-imports/{fresh['id']}/commit"
    assert client.post(url, headers=staff, json={"skip_invalid": True}).get_json()["created"] == 1
    assert client.post(url, headers=staff, json={"skip_invalid": True}).status_code == 409
    (home,) = db.session.scalars(db.select(Household))
    assert home.tags == ["elderly_alone"] and home.address == "白阳镇阳洼村一组1号"
    assert client.get(f"/api/v1/visits/household-imports/{fresh['id']}", headers=token_for("town")).status_code == 404


def test_import_reads_xlsx_and_refuses_files_without_the_columns(client, world, token_for) -> None:
    staff = token_for("staff")
    book = Workbook()
    book.active.append(["code", "address", "lat", "lon", "tags", "station"])
    book.active.append(["X1", "阳洼村", 35.87, 106.66, "fire_hazard", "PY-BY-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    sent = client.post(
        "/api/v1/visits/household-imports",
        headers=staff,
        data={"file": (io.BytesIO(buffer.getvalue()), "list.xlsx")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201 and sent.get_json()["valid"] == 1
    wrong = _upload(client, staff, "name,phone\n马,138\n")
    assert wrong.status_code == 422 and "file" in wrong.get_json()["errors"]


def test_plan_record_and_replan_through_the_api(app, client, world, token_for, caplog) -> None:
    staff = token_for("staff")
    _import(client, staff, 6)
    campaign = _campaign(client, staff, world)
    assert campaign["households"] == 6
    caplog.set_level(logging.DEBUG)
    planned = client.post(f"/api/v1/visits/campaigns/{campaign['id']}/plan", headers=staff)
    assert planned.status_code == 200, planned.get_json()
    stats = planned.get_json()["plan_stats"]
    assert stats["planned"] == 6 and stats["dropped"] == 0
    assert ADDRESS not in caplog.text and "阳洼村" not in caplog.text, "addresses are never logged"
    routes = client.get(f"/api/v1/visits/campaigns/{campaign['id']}/routes", headers=staff).get_json()
    assert all(len(r["visits"]) <= 2 for r in routes)
    assert [v["sequence"] for v in routes[0]["visits"]] == list(range(1, len(routes[0]["visits"]) + 1))

    # The plan as stored passes the independent checker.
    found = service.get_campaign(user=world.users["staff"], campaign_id=campaign["id"])
    origin, problem, _, _ = service.planning_problem(found, since=utcnow())
    stored = [
        planner.Route(
            f"{r['volunteer_id']}@{int((to_aware(r['shift_start']) - origin).total_seconds() // 60)}",
            tuple(
                planner.Stop(str(v["id"]), int((to_aware(v["planned_at"]) - origin).total_seconds() // 60), 0.0)
                for v in r["visits"]
            ),
            0.0,
        )
        for r in routes
    ]
    broken = planner.check_plan(problem, planner.Plan(stored, [], 0.0, "STORED", 0.0))
    assert [b for b in broken if " km but travels " not in b] == []

    volunteer = token_for("volunteer")
    mine = client.get("/api/v1/visits/mine", headers=volunteer).get_json()
    assert mine and all(r["volunteer_id"] == world.volunteers["v1"].id for r in mine)
    assert mine[0]["visits"][0]["address"].startswith("白阳镇阳洼村"), "the assigned volunteer sees the address"
    mine_ids = [v["id"] for r in mine for v in r["visits"]]
    others = [v["id"] for r in routes for v in r["visits"] if v["id"] not in mine_ids]
    first, second = mine_ids[0], mine_ids[1]
    url = "/api/v1/visits/visits/{}/outcome"
    assert (
        client.post(url.format(first), headers=volunteer, json={"outcome": "visited", "note": "讲解灭火器"}).status_code
        == 200
    )
    assert client.post(url.format(second), headers=volunteer, json={"outcome": "not_home"}).status_code == 200
    assert client.post(url.format(others[0]), headers=volunteer, json={"outcome": "visited"}).status_code == 404
    bad = client.post(url.format(first), headers=volunteer, json={"outcome": "pending"})
    assert bad.status_code == 422 and "outcome" in bad.get_json()["errors"]

    replanned = client.post(f"/api/v1/visits/campaigns/{campaign['id']}/plan", headers=staff).get_json()
    assert replanned["plan_stats"]["planned"] == 5, "the visited household is not planned again"
    after = client.get(f"/api/v1/visits/campaigns/{campaign['id']}/routes", headers=staff).get_json()
    for route in after:  # the visited one keeps its place: each half-day within its cap, numbered in time order
        assert len(route["visits"]) <= 2
        assert [v["sequence"] for v in route["visits"]] == list(range(1, len(route["visits"]) + 1))
    done, missed = db.session.get(Visit, first), db.session.get(Visit, second)
    assert done.outcome == "visited" and done.note == "讲解灭火器" and done.attempts == 1
    assert missed.outcome == "pending" and missed.attempts == 1 and missed.planned_at is not None
    cover = client.get(f"/api/v1/visits/campaigns/{campaign['id']}/coverage", headers=staff).get_json()
    assert cover["counts"] == {"pending": 5, "visited": 1, "not_home": 0, "refused": 0}
    assert len(cover["points"]) == 6 and "address" not in cover["points"][0]


def to_aware(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_scope_staff_elsewhere_and_residents_see_nothing(client, world, token_for) -> None:
    staff = token_for("staff")
    _import(client, staff, 3)
    campaign = _campaign(client, staff, world)
    url = f"/api/v1/visits/campaigns/{campaign['id']}"
    assert client.get(url, headers=token_for("town")).status_code == 200, "the township above sees it"
    assert client.get(url, headers=token_for("staff_b")).status_code == 404
    assert client.get(url + "/routes", headers=token_for("staff_b")).status_code == 404
    assert client.get("/api/v1/visits/households", headers=token_for("staff_b")).get_json() == []
    assert client.get("/api/v1/visits/households", headers=token_for("resident")).status_code == 403
    listed = client.get("/api/v1/visits/households", headers=staff).get_json()
    assert len(listed) == 3 and all("***" in h["address"] and "组" not in h["address"] for h in listed)
    foreign = client.post(
        "/api/v1/visits/campaigns",
        headers=token_for("staff_b"),
        json={
            "station_id": world.stations["PY-BY-01"].id, "title": "x", "topic": "other",
            "starts_on": date.today().isoformat(), "ends_on": date.today().isoformat(),
            "volunteer_ids": [world.volunteers["v1"].id],
        },
    )  # fmt: skip
    assert foreign.status_code == 404


def test_a_campaign_needs_its_area_volunteers_and_a_sound_period(client, world, token_for) -> None:
    staff = token_for("staff")
    _import(client, staff, 2)
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    base = {
        "station_id": world.stations["PY-BY-01"].id, "title": "走访", "topic": "waste_sorting",
        "starts_on": tomorrow.isoformat(), "ends_on": tomorrow.isoformat(),
        "volunteer_ids": [world.volunteers["v1"].id],
    }  # fmt: skip
    cases = {
        "volunteer_ids": {"volunteer_ids": [world.volunteers["v5"].id]},  # based at the county, not this village
        "ends_on": {"ends_on": (tomorrow - timedelta(days=1)).isoformat()},
        "target_tags": {"target_tags": ["low_income"]},  # nobody here carries it
        "topic": {"topic": "weather"},
    }
    for field, change in cases.items():
        answer = client.post("/api/v1/visits/campaigns", headers=staff, json={**base, **change})
        assert answer.status_code == 422 and field in answer.get_json()["errors"], (field, answer.get_json())


def test_pages_in_chinese_and_english(pages, client, world, token_for) -> None:
    staff = token_for("staff")
    _import(client, staff, 4)
    campaign = _campaign(client, staff, world)
    client.post(f"/api/v1/visits/campaigns/{campaign['id']}/plan", headers=staff)
    pages.login("staff")
    index = pages.get("/visits/").get_data(as_text=True)
    assert "入户走访活动" in index and "冬季消防安全入户走访" in index
    assert "Household visit campaigns" in pages.get("/visits/?lang=en").get_data(as_text=True)
    page = pages.get(f"/visits/campaigns/{campaign['id']}?lang=zh_Hans_CN").get_data(as_text=True)
    assert "重新规划未完成的走访" in page and "visits-map" in page
    sheets = pages.get(f"/visits/campaigns/{campaign['id']}/sheets").get_data(as_text=True)
    assert "白阳镇阳洼村" in sheets, "route sheets carry whole addresses for the staff who print them"
    pdf = pages.get(f"/visits/campaigns/{campaign['id']}/sheets.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    listing = pages.get("/visits/households").get_data(as_text=True)
    assert "白阳***" in listing and "白阳镇阳洼村1组" not in listing
    pages.login("volunteer")
    mine = pages.get("/visits/mine").get_data(as_text=True)
    assert "我的入户走访" in mine and "已走访" in mine
    visit = db.session.scalar(db.select(Visit).where(Visit.volunteer_id == world.volunteers["v1"].id))
    answer = pages.post(f"/visits/visits/{visit.id}/outcome", data={"outcome": "refused", "note": "不方便"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).outcome == "refused"
    assert pages.get("/visits/").status_code == 403


def test_the_longest_address_accepted_is_stored_whole(client, world, token_for) -> None:
    # 200 Chinese characters encrypt to about 900 characters: the column must hold the ciphertext, not the text.
    staff = token_for("staff")
    longest = ("宁夏回族自治区固原市彭阳县白阳镇阳洼村" * 11)[:200]
    preview = _upload(client, staff, CSV_HEAD + f"H1,{longest},35.87,106.66,独居老人,PY-BY-01\n").get_json()
    assert preview["valid"] == 1, preview
    url = f"/api/v1/visits/household-imports/{preview['id']}/commit"
    assert client.post(url, headers=staff, json={}).get_json()["created"] == 1
    db.session.expire_all()
    (home,) = db.session.scalars(db.select(Household))
    assert home.address == longest


def test_volunteers_are_reminded_of_tomorrows_routes_once_without_addresses(app, client, world, token_for) -> None:
    from app.notifications.models import OutboxMessage
    from schedules.jobs import reminders

    staff = token_for("staff")
    _import(client, staff, 12)
    campaign = _campaign(client, staff, world)
    assert client.post(f"/api/v1/visits/campaigns/{campaign['id']}/plan", headers=staff).status_code == 200
    routes = client.get(f"/api/v1/visits/campaigns/{campaign['id']}/routes", headers=staff).get_json()
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    due = [r for r in routes if to_local(to_aware(r["shift_start"])).date() == tomorrow]
    assert due and len(due) < len(routes), "the plan spans both days; only tomorrow's routes are reminded"
    counts = reminders(utcnow())
    assert counts["routes"] == len(due) and counts["queued"] >= len(due)
    assert reminders(utcnow())["queued"] == 0, "a route is reminded once"
    sent = list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "visit_reminder")))
    assert {(m.data["volunteer_id"], m.data["campaign_id"]) for m in sent} == {
        (r["volunteer_id"], campaign["id"]) for r in due
    }
    first = min(to_aware(v["planned_at"]) for v in due[0]["visits"])
    body = next(m.body for m in sent if m.data["volunteer_id"] == due[0]["volunteer_id"])
    assert "冬季消防安全入户走访" in body and f"{to_local(first):%m月%d日 %H:%M}" in body
    assert "号" not in body and "组" not in body, "household addresses stay on the route page"
