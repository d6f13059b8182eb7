"""Rosters: the accepted jobs of a team or volunteer per week, weekly versioned publication, feed tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.access import may_see_team_roster, may_see_volunteer
from app.accounts.models import User
from app.core.errors import NotFound
from app.core.timeutil import local_midnight, utcnow, week_start
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.notifications.messages import Phrase
from app.orders.models import Order, OrderEvent
from app.rosters.models import FeedKey, RosterVersion
from app.volunteers.models import Team, Volunteer

# Fields of a job whose change matters to the people rostered (status moves do not make a new version).
SCHEDULE_FIELDS = ("start_at", "end_at", "title", "station_id", "station", "address", "team_id", "crew")


@dataclass(frozen=True)
class Owner:
    """Whose roster: a team or a volunteer."""

    kind: str
    team: Team | None = None
    volunteer: Volunteer | None = None

    @property
    def id(self) -> int:
        return self.team.id if self.team is not None else self.volunteer.id  # type: ignore[union-attr]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def name(self) -> str:
        return self.team.name if self.team is not None else self.volunteer.name  # type: ignore[union-attr]


@dataclass
class RosterView:
    """A roster as shown: live entries, or one published version's snapshot."""

    owner: Owner
    week_start: date
    entries: list[dict[str, Any]]
    version: int | None = None
    published_at: datetime | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    versions: list[int] = field(default_factory=list)


@dataclass
class PublishReport:
    """What a publication did."""

    week_start: date
    teams: int = 0
    volunteers: int = 0
    unchanged: int = 0
    versions: list[RosterVersion] = field(default_factory=list)


# --- who may see which roster ---


def team_owner(*, user: User, team_id: int) -> Owner:
    """A team whose roster the user may see, or 404."""
    team = db.session.get(Team, team_id)
    if team is None or not may_see_team_roster(user, team):
        raise NotFound("team not found")
    return Owner(kind="team", team=team)


def volunteer_owner(*, user: User, volunteer_id: int) -> Owner:
    """A volunteer whose roster the user may see (self, their lead, staff in scope), or 404."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not may_see_volunteer(user, volunteer):
        raise NotFound("volunteer not found")
    return Owner(kind="volunteer", volunteer=volunteer)


def owner_for(*, user: User, kind: str, owner_id: int) -> Owner:
    """A team or volunteer owner by kind."""
    if kind == "team":
        return team_owner(user=user, team_id=owner_id)
    if kind == "volunteer":
        return volunteer_owner(user=user, volunteer_id=owner_id)
    raise NotFound("no such roster")


# --- jobs and entries ---


def job_uid(order_id: int) -> str:
    """The calendar UID of an order's job: stable across updates, so calendar apps update instead of duplicating."""
    return f"diandan-order-{order_id}@{current_app.config['ROSTER_UID_DOMAIN']}"


def _with_details(query):
    # Everything an entry shows, loaded up front instead of one query per job.
    return query.options(
        joinedload(Proposal.order).joinedload(Order.menu_item),
        joinedload(Proposal.order).joinedload(Order.station),
        joinedload(Proposal.team),
        selectinload(Proposal.crew).joinedload(ProposalMember.volunteer),
        selectinload(Proposal.crew).joinedload(ProposalMember.skill),
    ).order_by(Proposal.start_at, Proposal.id)


def _jobs_query(owner: Owner, statuses: tuple[str, ...]):
    query = _with_details(db.select(Proposal).where(Proposal.status.in_(statuses)))
    if owner.kind == "team":
        return query.where(Proposal.team_id == owner.id)
    mine = db.select(ProposalMember.proposal_id).where(ProposalMember.volunteer_id == owner.id)
    return query.where(Proposal.id.in_(mine))


def roster_jobs(*, owner: Owner, start: datetime, end: datetime) -> list[Proposal]:
    """Accepted jobs starting in [start, end)."""
    query = _jobs_query(owner, ("accepted",)).where(Proposal.start_at >= start, Proposal.start_at < end)
    return list(db.session.scalars(query).unique())


def entry_for(proposal: Proposal, *, volunteer_id: int | None = None) -> dict[str, Any]:
    """A job as a plain, JSON-ready roster entry (what is published, exported and compared)."""
    order = proposal.order
    station = order.station
    crew = sorted(
        (
            {
                "volunteer_id": m.volunteer_id,
                "code": m.volunteer.code,
                "name": m.volunteer.name,
                "skill": m.skill.name_zh,
                "skill_en": m.skill.name_en,
            }
            for m in proposal.crew
        ),
        key=lambda c: str(c["code"]),
    )
    entry: dict[str, Any] = {
        "uid": job_uid(order.id),
        "order_id": order.id,
        "order_code": order.code,
        "proposal_id": proposal.id,
        "title": order.menu_item.title,
        "title_en": order.menu_item.title_en,
        "mode": order.menu_item.mode,
        "start_at": proposal.start_at.isoformat(),
        "end_at": proposal.end_at.isoformat(),
        "station_id": station.id,
        "station": station.name,
        "address": station.address or "",
        "team_id": proposal.team_id,
        "team": proposal.team.name,
        "crew": crew,
        "skill": "",
    }
    if volunteer_id is not None:
        mine = next((c for c in crew if c["volunteer_id"] == volunteer_id), None)
        entry["skill"] = mine["skill"] if mine else ""
        entry["skill_en"] = mine["skill_en"] if mine else ""
    return entry


def week_bounds(day: date) -> tuple[datetime, datetime]:
    """The local Monday-to-Monday span of a week, as aware datetimes."""
    start = local_midnight(day)
    return start, local_midnight(day + timedelta(days=7))


def live_entries(*, owner: Owner, week: date) -> list[dict[str, Any]]:
    """The owner's accepted jobs in a week, as entries."""
    start, end = week_bounds(week)
    volunteer_id = owner.id if owner.kind == "volunteer" else None
    return [entry_for(p, volunteer_id=volunteer_id) for p in roster_jobs(owner=owner, start=start, end=end)]


def content_hash(entries: list[dict[str, Any]]) -> str:
    """A digest of what matters in a roster, so an unchanged roster is not published again."""
    essential = [{k: e[k] for k in ("uid", *SCHEDULE_FIELDS, "skill")} for e in entries]
    return hashlib.sha256(json.dumps(essential, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _brief(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("uid", "order_code", "title", "start_at")}


def diff_entries(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list]:
    """Jobs added, removed and changed (with the fields that changed) between two versions."""
    before = {e["uid"]: e for e in old}
    after = {e["uid"]: e for e in new}
    changed = []
    for uid in after.keys() & before.keys():
        fields = [f for f in (*SCHEDULE_FIELDS, "skill") if before[uid].get(f) != after[uid].get(f)]
        if fields:
            changed.append({**_brief(after[uid]), "fields": fields})
    return {
        "added": sorted((_brief(after[u]) for u in after.keys() - before.keys()), key=lambda e: e["start_at"]),
        "removed": sorted((_brief(before[u]) for u in before.keys() - after.keys()), key=lambda e: e["start_at"]),
        "changed": sorted(changed, key=lambda e: e["start_at"]),
    }


def versions_of(*, owner: Owner, week: date) -> list[RosterVersion]:
    """Published versions of a roster for a week, oldest first."""
    return list(
        db.session.scalars(
            db.select(RosterVersion)
            .where(RosterVersion.owner_key == owner.key, RosterVersion.week_start == week)
            .order_by(RosterVersion.version)
        )
    )


def roster_view(*, owner: Owner, week: date, version: int | None = None) -> RosterView:
    """The live roster with its latest publication's changes, or one published version when asked."""
    published = versions_of(owner=owner, week=week)
    numbers = [v.version for v in published]
    if version is not None:
        chosen = next((v for v in published if v.version == version), None)
        if chosen is None:
            raise NotFound("no such roster version", field="version")
        return RosterView(owner, week, chosen.entries, chosen.version, chosen.published_at, chosen.changes, numbers)
    latest = published[-1] if published else None
    return RosterView(
        owner=owner,
        week_start=week,
        entries=live_entries(owner=owner, week=week),
        version=None,
        published_at=latest.published_at if latest else None,
        changes=latest.changes if latest else {},
        versions=numbers,
    )


# --- weekly publication ---


def publication_week(now: datetime) -> date:
    """The week a publication at this moment covers (Sunday evening covers the coming week)."""
    return week_start(now + timedelta(hours=current_app.config["ROSTER_PUBLISH_LEAD_HOURS"]))


def _summary(changes: dict[str, list], count: int, version: int) -> Phrase:
    if version == 1:
        return Phrase("%(n)s services", {"n": count})
    return Phrase(
        "%(added)s added, %(removed)s cancelled, %(changed)s changed",
        {"added": len(changes["added"]), "removed": len(changes["removed"]), "changed": len(changes["changed"])},
    )


def _notify_publication(owner: Owner, roster: RosterVersion, now: datetime) -> None:
    from app.core.timeutil import iso_week_label
    from app.notifications import service as notify

    if owner.kind == "team":
        lead = db.session.get(User, owner.team.lead_user_id) if owner.team.lead_user_id else None  # type: ignore[union-attr]
        recipient = notify.recipient_for_user(lead) if lead is not None else None
    else:
        recipient = notify.recipient_for_volunteer(owner.volunteer)  # type: ignore[arg-type]
    if recipient is None:
        return
    notify.notify(
        key=f"roster:{owner.key}:{roster.week_start.isoformat()}:v{roster.version}",
        kind="roster_published",
        recipient=recipient,
        values={
            "owner": owner.name,
            "week": iso_week_label(roster.week_start),
            "version": roster.version,
            "summary": _summary(roster.changes, len(roster.entries), roster.version),
        },
        data={"roster_version_id": roster.id, "owner": owner.key, "week_start": roster.week_start.isoformat()},
        now=now,
    )


def _publish_one(owner: Owner, entries: list[dict[str, Any]], week: date, now: datetime) -> RosterVersion | None:
    latest = db.session.scalar(
        db.select(RosterVersion)
        .where(RosterVersion.owner_key == owner.key, RosterVersion.week_start == week)
        .order_by(RosterVersion.version.desc())
        .limit(1)
    )
    digest = content_hash(entries)
    if (latest is None and not entries) or (latest is not None and latest.content_hash == digest):
        return None
    roster = RosterVersion(
        kind=owner.kind,
        owner_key=owner.key,
        team_id=owner.team.id if owner.team is not None else None,
        volunteer_id=owner.volunteer.id if owner.volunteer is not None else None,
        week_start=week,
        version=(latest.version + 1) if latest is not None else 1,
        published_at=now,
        content_hash=digest,
        entries=entries,
        changes=diff_entries(latest.entries if latest is not None else [], entries),
    )
    db.session.add(roster)
    db.session.flush()
    _notify_publication(owner, roster, now)
    return roster


def publish_rosters(*, week: date, now: datetime | None = None, station_ids: set[int] | None = None) -> PublishReport:
    """Publish a new version of every team's and volunteer's roster for a week whose jobs changed (idempotent).

    With `station_ids` (a caller's scope), only the rosters of teams at those stations and of their members.
    """
    now = now or utcnow()
    start, end = week_bounds(week)
    jobs = _all_jobs(start, end)
    if station_ids is not None:
        jobs = [p for p in jobs if p.team.station_id in station_ids]
    by_team: dict[int, list[Proposal]] = defaultdict(list)
    by_volunteer: dict[int, list[Proposal]] = defaultdict(list)
    for proposal in jobs:
        by_team[proposal.team_id].append(proposal)
        for member in proposal.crew:
            by_volunteer[member.volunteer_id].append(proposal)
    # Owners published before for this week get a new version even when all their jobs are gone.
    earlier = db.session.execute(
        db.select(RosterVersion.team_id, RosterVersion.volunteer_id).where(RosterVersion.week_start == week).distinct()
    ).all()
    team_ids = set(by_team) | {t for t, _ in earlier if t is not None}
    volunteer_ids = set(by_volunteer) | {v for _, v in earlier if v is not None}
    if station_ids is not None:
        team_ids = set(
            db.session.scalars(db.select(Team.id).where(Team.id.in_(team_ids), Team.station_id.in_(station_ids)))
        )
        volunteer_ids = set(
            db.session.scalars(
                db.select(Volunteer.id)
                .join(Team, Volunteer.team_id == Team.id)
                .where(Volunteer.id.in_(volunteer_ids), Team.station_id.in_(station_ids))
            )
        )
    report = PublishReport(week_start=week)
    for team in db.session.scalars(db.select(Team).where(Team.id.in_(team_ids)).order_by(Team.id)):
        entries = [entry_for(p) for p in by_team.get(team.id, [])]
        roster = _publish_one(Owner(kind="team", team=team), entries, week, now)
        report.teams += roster is not None
        report.unchanged += roster is None
        if roster is not None:
            report.versions.append(roster)
    for volunteer in db.session.scalars(
        db.select(Volunteer).where(Volunteer.id.in_(volunteer_ids)).order_by(Volunteer.id)
    ):
        entries = [entry_for(p, volunteer_id=volunteer.id) for p in by_volunteer.get(volunteer.id, [])]
        roster = _publish_one(Owner(kind="volunteer", volunteer=volunteer), entries, week, now)
        report.volunteers += roster is not None
        report.unchanged += roster is None
        if roster is not None:
            report.versions.append(roster)
    return report


def _all_jobs(start: datetime, end: datetime) -> list[Proposal]:
    query = _with_details(
        db.select(Proposal).where(Proposal.status == "accepted", Proposal.start_at >= start, Proposal.start_at < end)
    )
    return list(db.session.scalars(query).unique())


# --- reminders ---


def jobs_starting(*, start: datetime, end: datetime) -> list[Proposal]:
    """Every accepted job starting in [start, end)."""
    return _all_jobs(start, end)


# --- calendar feeds ---


@dataclass(frozen=True)
class FeedItem:
    """A job in a calendar feed: the entry, whether it was cancelled, and its revision."""

    entry: dict[str, Any]
    cancelled: bool
    sequence: int
    stamp: datetime
    lat: float
    lon: float


def feed_items(*, owner: Owner, now: datetime | None = None) -> list[FeedItem]:
    """Jobs for a feed: accepted ones, plus cancelled ones that had been accepted (so calendars drop them)."""
    config = current_app.config
    now = now or utcnow()
    start = now - timedelta(days=config["ROSTER_FEED_PAST_DAYS"])
    end = now + timedelta(days=config["ROSTER_FEED_FUTURE_DAYS"])
    query = _jobs_query(owner, ("accepted", "withdrawn")).where(Proposal.start_at >= start, Proposal.start_at < end)
    # A withdrawn proposal with a responder had been accepted: it was on the roster until its order was cancelled.
    query = query.where((Proposal.status == "accepted") | Proposal.responded_by_id.is_not(None))
    proposals = list(db.session.scalars(query).unique())
    order_ids = {p.order_id for p in proposals}
    revisions = {
        order_id: (count, last)
        for order_id, count, last in db.session.execute(
            db.select(OrderEvent.order_id, db.func.count(), db.func.max(OrderEvent.at))
            .where(OrderEvent.order_id.in_(order_ids))
            .group_by(OrderEvent.order_id)
        ).all()
    }
    chosen: dict[int, Proposal] = {}
    for proposal in proposals:
        # One event per order: an accepted proposal wins over an earlier withdrawn one.
        if proposal.order_id not in chosen or proposal.status == "accepted":
            chosen[proposal.order_id] = proposal
    volunteer_id = owner.id if owner.kind == "volunteer" else None
    items = []
    for proposal in sorted(chosen.values(), key=lambda p: (p.start_at, p.id)):
        count, last = revisions.get(proposal.order_id, (0, None))
        items.append(
            FeedItem(
                entry=entry_for(proposal, volunteer_id=volunteer_id),
                cancelled=proposal.status != "accepted",
                sequence=count,
                stamp=_aware(last) or proposal.created_at,
                lat=proposal.order.station.lat,
                lon=proposal.order.station.lon,
            )
        )
    return items


def _aware(moment: datetime | None) -> datetime | None:
    # Aggregates skip the column type, so SQLite hands back naive UTC (or even a string).
    from datetime import UTC

    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- feed tokens ---


def _sign(user_id: int, nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"roster-feed:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()[:40]


def feed_token(*, user: User, rotate: bool = False) -> str:
    """The user's calendar feed token, made on first use; rotating it revokes every earlier link."""
    key = db.session.scalar(db.select(FeedKey).where(FeedKey.user_id == user.id))
    if key is None:
        key = FeedKey(user_id=user.id, nonce=secrets.token_hex(16), created_at=utcnow())
        db.session.add(key)
    elif rotate:
        key.nonce = secrets.token_hex(16)
        key.created_at = utcnow()
    db.session.flush()
    return f"{user.id}.{_sign(user.id, key.nonce)}"


def existing_feed_token(*, user: User) -> str | None:
    """The user's feed token if they have made one."""
    key = db.session.scalar(db.select(FeedKey).where(FeedKey.user_id == user.id))
    return f"{user.id}.{_sign(user.id, key.nonce)}" if key is not None else None


def revoke_feed_token(*, user: User) -> None:
    """Forget the user's feed secret: every feed link stops working."""
    key = db.session.scalar(db.select(FeedKey).where(FeedKey.user_id == user.id))
    if key is not None:
        db.session.delete(key)
        db.session.flush()


def user_from_feed_token(raw: str) -> User | None:
    """The active user a feed token belongs to, or None."""
    user_part, _, signature = raw.partition(".")
    if not user_part.isdigit() or not signature:
        return None
    key = db.session.scalar(db.select(FeedKey).where(FeedKey.user_id == int(user_part)))
    if key is None or not hmac.compare_digest(signature, _sign(key.user_id, key.nonce)):
        return None
    if key.created_at + timedelta(days=current_app.config["ROSTER_FEED_TOKEN_DAYS"]) <= utcnow():
        return None
    user = db.session.get(User, key.user_id)
    return user if user is not None and user.active else None
