"""Activity pages, Chinese first: the list and sign-up for volunteers, publishing and cancelling for staff."""

from __future__ import annotations

from app.activities import service
from app.activities.models import Activity, ActivitySignup
from app.extensions import db
from tests.activities.conftest import tomorrow_at


def test_staff_publish_and_volunteer_signs_up_and_withdraws(pages, world) -> None:
    pages.login("staff")
    day = tomorrow_at(19).date().isoformat()
    published = pages.post(
        "/activities/new",
        data={
            "title": "中秋文艺晚会",
            "station_id": world.stations["PY-BY-01"].id,
            "day": day,
            "start_time": "19:00",
            "end_time": "21:00",
            "location": "村文化广场",
            "skill_0": "performance",
            "capacity_0": "12",
            "skill_1": "elder-care",
            "capacity_1": "1",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "活动已发布" in published and "中秋文艺晚会" in published and "文艺演出" in published
    activity = db.session.scalar(db.select(Activity))
    assert [(s.skill.code, s.capacity) for s in activity.slots] == [("performance", 12), ("elder-care", 1)]
    bad = pages.post(
        "/activities/new",
        data={
            "title": "x",
            "station_id": world.stations["PY-BY-01"].id,
            "day": day,
            "start_time": "19:00",
            "end_time": "21:00",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "活动至少需要一个岗位" in bad
    index = pages.get("/activities/").get_data(as_text=True)
    assert "/showcase/PY-BY-01" in index and "/display/PY" in index  # the station's showcase, the county display

    pages.login("volunteer")
    listing = pages.get("/activities/").get_data(as_text=True)
    assert "活动招募" in listing and "中秋文艺晚会" in listing and "已报0人 / 共12人" in listing
    detail = pages.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "技能不符" in detail  # v1 does not perform; elder care is open to them
    signed = pages.post(
        f"/activities/{activity.id}/signup", data={"skill": "elder-care"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已报名" in signed and "退出报名" in signed
    twice = pages.post(
        f"/activities/{activity.id}/signup", data={"skill": "elder-care"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已经报名了这个活动" in twice
    signup = db.session.scalar(db.select(ActivitySignup))
    pages.post(f"/activities/signups/{signup.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(ActivitySignup, signup.id).status == "withdrawn"
    english = pages.get(f"/activities/{activity.id}?lang=en").get_data(as_text=True)
    assert "Places by skill" in english and "Sign up" in english


def test_staff_see_who_signed_up_and_cancel(pages, world, publish) -> None:
    activity = publish({"elder-care": 1})
    service.sign_up(user=world.users["volunteer"], activity_id=activity.id, skill="elder-care")
    db.session.commit()
    pages.login("staff")
    detail = pages.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "报名名单" in detail and "志愿者V1" in detail and "取消活动" in detail
    done = pages.post(f"/activities/{activity.id}/cancel", data={"reason": "大风天气"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "活动已取消" in done and "大风天气" in done
    pages.login("volunteer")
    assert pages.get(f"/activities/{activity.id}").status_code == 404
    assert "中秋" not in pages.get("/activities/").get_data(as_text=True)


def test_the_navigation_leads_to_activities(pages, world) -> None:
    pages.login("volunteer")
    assert "/activities/" in pages.get("/me").get_data(as_text=True)
