"""Showcase: what a station shows the public (no personal data), and the county display's live figures.

Rules:
- A station's public page shows activities held at it or below it in the last months (with how many took part)
  and the latest ratings of services there: stars, the praise words, the comment with phone numbers starred,
  the resident's name masked (马**), and the rating's photos. Nothing else about anyone.
- The county display shows figures only: orders placed today, services completed today, volunteers who served
  in the last 30 days, hours on the ledger this month, ratings this month and their average, coming activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func

from app.accounts.access import subtree_ids
from app.activities.models import Activity, ActivitySignup
from app.core.errors import NotFound
from app.core.logs import mask_phones
from app.core.masking import mask_name
from app.core.timeutil import local_midnight, to_local, utcnow
from app.extensions import db
from app.incentives.models import HoursEntry
from app.orders.models import Order, Rating, ServiceRecord
from app.showcase.models import RatingPhoto
from app.stations.models import Station

SHOWN_ACTIVITIES = 12
SHOWN_RATINGS = 20
ACTIVE_DAYS = 30


@dataclass(frozen=True)
class ShownActivity:
    """A held activity as the public sees it."""

    title: str
    station: str
    start_at: datetime
    location: str
    description: str
    took_part: int


@dataclass(frozen=True)
class ShownRating:
    """A rating as the public sees it: no name but a masked one, no phone."""

    order_id: int
    service: str
    service_en: str
    stars: int
    tags: list[str]
    comment: str
    resident: str
    rated_at: datetime
    photo_ids: list[int]


@dataclass(frozen=True)
class Showcase:
    """A station's public page."""

    station: Station
    activities: list[ShownActivity]
    ratings: list[ShownRating]


def _station(code: str) -> Station:
    station = db.session.scalar(db.select(Station).where(Station.code == code, Station.active.is_(True)))
    if station is None:
        raise NotFound("station not found", field="station_code")
    return station


def station_showcase(*, station_code: str, now: datetime | None = None) -> Showcase:
    """A station's recent activities and ratings, with nothing personal left in them."""
    station = _station(station_code)
    now = now or utcnow()
    ids = subtree_ids(station.id)
    took_part = (
        db.select(func.count(ActivitySignup.id))
        .where(ActivitySignup.activity_id == Activity.id, ActivitySignup.status == "confirmed")
        .scalar_subquery()
    )
    held = db.session.execute(
        db.select(Activity, took_part)
        .where(Activity.station_id.in_(ids), Activity.status == "published", Activity.start_at <= now)
        .order_by(Activity.start_at.desc())
        .limit(SHOWN_ACTIVITIES)
    ).all()
    activities = [
        ShownActivity(
            title=a.title,
            station=a.station.name,
            start_at=a.start_at,
            location=a.location,
            description=mask_phones(a.description),
            took_part=int(n or 0),
        )
        for a, n in held
    ]
    rows = db.session.scalars(
        db.select(Rating)
        .join(Order, Order.id == Rating.order_id)
        .where(Order.station_id.in_(ids))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(SHOWN_RATINGS)
    ).all()
    photos: dict[int, list[int]] = {}
    if rows:
        for rating_id, photo_id in db.session.execute(
            db.select(RatingPhoto.rating_id, RatingPhoto.id)
            .where(RatingPhoto.rating_id.in_([r.id for r in rows]))
            .order_by(RatingPhoto.id)
        ):
            photos.setdefault(rating_id, []).append(photo_id)
    ratings = [
        ShownRating(
            order_id=r.order_id,
            service=r.order.menu_item.title,
            service_en=r.order.menu_item.title_en or r.order.menu_item.title,
            stars=r.stars,
            tags=list(r.tags or []),
            comment=mask_phones(r.comment or ""),
            resident=mask_name(r.order.resident.name if r.order.resident else ""),
            rated_at=r.created_at,
            photo_ids=photos.get(r.id, []),
        )
        for r in rows
    ]
    return Showcase(station=station, activities=activities, ratings=ratings)


def county_figures(*, county_code: str, now: datetime | None = None) -> dict:
    """The county display's live figures (counts only)."""
    county = _station(county_code)
    if county.level != "county":
        raise NotFound("county not found", field="county_code")
    now = now or utcnow()
    ids = subtree_ids(county.id)
    today = to_local(now).date()
    day_start = local_midnight(today)
    month_start = local_midnight(today.replace(day=1))
    in_county = Order.station_id.in_(ids)
    orders_today = db.session.scalar(db.select(func.count(Order.id)).where(in_county, Order.created_at >= day_start))
    served_today = db.session.scalar(db.select(func.count(Order.id)).where(in_county, Order.completed_at >= day_start))
    active = db.session.scalar(
        db.select(func.count(func.distinct(ServiceRecord.volunteer_id)))
        .join(Order, Order.id == ServiceRecord.order_id)
        .where(in_county, ServiceRecord.check_in_at >= now - timedelta(days=ACTIVE_DAYS))
    )
    minutes = db.session.scalar(
        db.select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
            HoursEntry.station_id.in_(ids), HoursEntry.served_at >= month_start
        )
    )
    rated, average = db.session.execute(
        db.select(func.count(Rating.id), func.avg(Rating.stars))
        .join(Order, Order.id == Rating.order_id)
        .where(in_county, Rating.created_at >= month_start)
    ).one()
    coming = db.session.scalar(
        db.select(func.count(Activity.id)).where(
            Activity.station_id.in_(ids), Activity.status == "published", Activity.start_at > now
        )
    )
    return {
        "county": county.name,
        "as_of": now,
        "orders_today": int(orders_today or 0),
        "served_today": int(served_today or 0),
        "volunteers_active": int(active or 0),
        "hours_this_month": round(int(minutes or 0) / 60, 1),
        "ratings_this_month": int(rated or 0),
        "average_stars": round(float(average), 2) if average is not None else None,
        "activities_coming": int(coming or 0),
    }
