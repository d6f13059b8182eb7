"""The demo county's open activities: coming ones at every stage of filling (one full with a waitlist) and past ones
for the stations' showcase pages."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from app.accounts.models import User
from app.activities import service
from app.activities.models import Activity, ActivitySignup, ActivitySlot
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.extensions import db
from app.menu.models import Skill
from app.stations.models import Station
from app.volunteers.models import Volunteer, volunteer_skills

# (title, days ahead (negative: held already), hour, hours, {skill: capacity}, share of places to fill, description)
ACTIVITIES = (
    (
        "“我们的节日”文艺晚会",
        4,
        19,
        3,
        {"performance": 12, "fire-safety": 4},
        1.4,
        "村晚节目表演与现场秩序、消防安全保障。",
    ),
    (
        "重阳敬老义诊",
        6,
        9,
        3,
        {"medical": 4, "elder-care": 6},
        0.6,
        "为六十岁以上老人量血压、测血糖，上门看望行动不便的老人。",
    ),
    (
        "防火安全进万家",
        9,
        14,
        2,
        {"fire-safety": 6, "household-visit": 8},
        0.3,
        "入户讲解冬季用火用电安全，检查灭火器。",
    ),
    ("书法进乡村写春联", 12, 9, 4, {"calligraphy": 5}, 0.0, "为村民免费书写春联、福字。"),
    ("秋收后环境整治", -9, 9, 3, {"cleanup": 10}, 0.8, "清理村道垃圾、整治房前屋后。"),
    ("农民丰收节文艺汇演", -20, 19, 2, {"performance": 10}, 0.9, "村民自编自演的丰收节节目。"),
)


PLACES = ("文化广场", "村委会院内", "新时代文明实践站活动室", "村小学操场")


def _volunteers_with(skill: Skill, station_ids: set[int], rng: random.Random) -> list[Volunteer]:
    rows = list(
        db.session.scalars(
            db.select(Volunteer)
            .join(volunteer_skills, volunteer_skills.c.volunteer_id == Volunteer.id)
            .where(volunteer_skills.c.skill_id == skill.id, Volunteer.station_id.in_(station_ids))
            .order_by(Volunteer.id)
        )
    )
    rng.shuffle(rows)
    return rows


def load_activities(
    *, rng: random.Random, county: Station, villages: list[Station], staff: User, member: User
) -> dict[str, int]:
    """Publish the demo activities at the county centre and the first villages, and sign volunteers up (the demo
    volunteer account first, where its skills fit)."""
    from app.accounts.access import subtree_ids

    today = to_local(utcnow()).date()
    station_ids = subtree_ids(county.id)
    skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
    published = signups = 0
    places = [county, *villages[:3]]
    for index, (title, days, hour, hours, slots, share, description) in enumerate(ACTIVITIES):
        station = places[index % len(places)]
        start = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=LOCAL_TZ)
        # What an activity says of itself, whether published now or written as already held.
        about: dict[str, Any] = {
            "station_id": station.id,
            "title": title,
            "description": description,
            "location": PLACES[index % len(PLACES)],
            "start_at": start,
            "end_at": start + timedelta(hours=hours),
        }
        if days > 0:
            activity = service.publish_activity(
                user=staff, slots=[{"skill": code, "capacity": capacity} for code, capacity in slots.items()], **about
            )
        else:
            # Held already: written as it stood at its start (publishing refuses a start in the past).
            activity = Activity(
                **about,
                status="published",
                created_by_id=staff.id,
                created_at=start - timedelta(days=10),
                slots=[ActivitySlot(skill=skills[c], capacity=n, filled=0) for c, n in slots.items()],
            )
            db.session.add(activity)
            db.session.flush()
        published += 1
        if days > 0:
            signups += _sign_up_member(activity, member, staff)
        for slot in activity.slots:
            wanted = round(slot.capacity * share)
            for volunteer in _volunteers_with(slot.skill, station_ids, rng)[:wanted]:
                if days > 0:
                    try:
                        service.sign_up(
                            user=staff, activity_id=activity.id, skill=slot.skill.code, volunteer_id=volunteer.id
                        )
                    except DomainError:  # busy then, or already in this activity under another skill
                        continue
                elif slot.filled < slot.capacity:
                    held = db.session.scalar(
                        db.select(ActivitySignup.id).where(
                            ActivitySignup.activity_id == activity.id, ActivitySignup.volunteer_id == volunteer.id
                        )
                    )
                    if held is not None:
                        continue
                    db.session.add(
                        ActivitySignup(
                            activity_id=activity.id,
                            slot_id=slot.id,
                            volunteer_id=volunteer.id,
                            status="confirmed",
                            created_at=start - timedelta(days=3),
                        )
                    )
                    slot.filled += 1
                    db.session.flush()
                else:
                    continue
                signups += 1
    return {"activities": published, "activity sign-ups": signups}


def _sign_up_member(activity: Activity, member: User, staff: User) -> int:
    """The demo volunteer account takes a place where one of its skills fits, so its pages show a sign-up."""
    volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == member.id))
    own = {s.code for s in volunteer.skills} if volunteer else set()
    slot = next((s for s in activity.slots if s.skill.code in own), None)
    if volunteer is None or slot is None:
        return 0
    try:
        service.sign_up(user=staff, activity_id=activity.id, skill=slot.skill.code, volunteer_id=volunteer.id)
    except DomainError:
        return 0
    return 1
