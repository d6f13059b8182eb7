"""The demo county's household visits: a household list around the first village and a planned fire-safety campaign."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from app.accounts.models import User
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.stations.models import Station
from app.visits import service
from app.visits.models import Household
from app.volunteers.models import Volunteer

# (tags, how many households carry them) on the grid workers' list.
TAG_MIX = ((["elderly_alone"], 10), (["elderly_alone", "fire_hazard"], 6), (["fire_hazard"], 6), (["low_income"], 6))
GROUPS = ("一组", "二组", "三组", "四组", "五组")


def load_visits(*, rng: random.Random, village: Station, staff: User) -> dict[str, int]:
    """28 households within about a kilometre of the village station, and a campaign planned over the next days."""
    households = []
    number = 0
    place = village.name.removesuffix("新时代文明实践站")
    for tags, count in TAG_MIX:
        for _ in range(count):
            number += 1
            angle, km = rng.uniform(0, 2 * math.pi), 1.2 * math.sqrt(rng.random())
            households.append(
                Household(
                    station=village,
                    code=f"HH-{number:03d}",
                    address=f"{place}{rng.choice(GROUPS)}{rng.randint(1, 60)}号",
                    lat=village.lat + km / 111.0 * math.cos(angle),
                    lon=village.lon + km / 111.0 * math.sin(angle) / math.cos(math.radians(village.lat)),
                    tags=tags,
                )
            )
    db.session.add_all(households)
    db.session.flush()
    volunteers = list(
        db.session.scalars(
            db.select(Volunteer.id)
            .where(Volunteer.station_id == village.id, Volunteer.active.is_(True))
            .order_by(Volunteer.user_id.is_(None), Volunteer.id)
        )
    )[:4]
    if not volunteers:
        return {"households": len(households), "visit campaigns": 0}
    start = to_local(utcnow()).date() + timedelta(days=1)
    campaign = service.create_campaign(
        user=staff,
        station_id=village.id,
        title="冬季消防安全入户走访",
        topic="fire_safety",
        starts_on=start,
        ends_on=start + timedelta(days=4),
        target_tags=["elderly_alone", "fire_hazard"],
        volunteer_ids=volunteers,
        visit_minutes=20,
        max_visits_per_shift=6,
    )
    service.plan_campaign(user=staff, campaign_id=campaign.id)
    return {"households": len(households), "visit campaigns": 1}
