"""Team and volunteer rules: membership, skills, availability and who may see or change them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import selectinload

from app.accounts.access import (
    allowed,
    authorize,
    may_manage_team,
    may_manage_volunteer,
    may_see_team,
    may_see_volunteer,
    role_as_lead,
    scope_station_ids,
)
from app.accounts.models import User
from app.audit.service import changed_fields, record_change
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.intervals import subtract, union
from app.core.paging import Page, paginate
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.menu.models import Specialty
from app.menu.service import skill_by_code
from app.stations.models import Station
from app.volunteers.models import AvailabilityException, AvailabilitySlot, Team, Volunteer


def volunteer_of(user: User) -> Volunteer | None:
    """The volunteer record linked to a user account, if any."""
    return db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))


def lead_team_ids(user: User) -> set[int]:
    """Teams the user leads."""
    return set(db.session.scalars(db.select(Team.id).where(Team.lead_user_id == user.id)))


def list_teams(
    *, user: User, station_id: int | None = None, level: str | None = None, include_inactive: bool = False
) -> list[Team]:
    """Teams the user may see: staff those based in their scope; everyone their own."""
    query = db.select(Team).order_by(Team.code)
    if not include_inactive:
        query = query.where(Team.active.is_(True))
    ids = scope_station_ids(user) if allowed(user, "volunteers.list.station") else set()
    if ids is not None:
        own = lead_team_ids(user) | ({user.team_id} if user.team_id else set())
        query = query.where(Team.station_id.in_(ids) | Team.id.in_(own))
    if station_id is not None:
        query = query.where(Team.station_id == station_id)
    if level is not None:
        query = query.where(Team.level == level)
    return list(db.session.scalars(query))


def get_team(*, user: User, team_id: int) -> Team:
    """One team the user may see, or 404."""
    team = db.session.get(Team, team_id)
    if team is None or not may_see_team(user, team):
        raise NotFound("team not found")
    return team


def create_team(
    *, user: User, code: str, name: str, station_id: int, specialty: str | None, lead_user_id: int | None
) -> Team:
    """Add a team at a station; its tier is the station's."""
    authorize(user, "teams.create")
    station = db.session.get(Station, station_id)
    if station is None:
        raise ValidationFailed("unknown station", field="station_id")
    authorize(user, "teams.create", station.id, field="station_id")
    if db.session.scalar(db.select(Team.id).where(Team.code == code)) is not None:
        raise ValidationFailed("team code %(code)s is taken", field="code", params={"code": code})
    specialty_row = None
    if specialty is not None:
        specialty_row = db.session.scalar(db.select(Specialty).where(Specialty.code == specialty))
        if specialty_row is None:
            raise ValidationFailed("unknown specialty %(code)s", field="specialty", params={"code": specialty})
    if lead_user_id is not None:
        lead = db.session.get(User, lead_user_id)
        # A lead from another county would read this county's orders and residents through the team.
        if lead is None or lead.scope_station is None or lead.scope_station.county().id != station.county().id:
            raise ValidationFailed("the lead must be a user of the team's county", field="lead_user_id")
    team = Team(
        code=code, name=name, level=station.level, station=station, specialty=specialty_row, lead_user_id=lead_user_id
    )
    db.session.add(team)
    db.session.flush()
    return team


def list_volunteers(
    *,
    user: User,
    team_id: int | None = None,
    station_id: int | None = None,
    skill: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Volunteer]:
    """Volunteers the user may see: staff by scope, a lead their team, a volunteer themself."""
    query = _visible_volunteers(user).order_by(Volunteer.code)
    if team_id is not None:
        query = query.where(Volunteer.team_id == team_id)
    if station_id is not None:
        query = query.where(Volunteer.station_id == station_id)
    if skill is not None:
        query = query.where(Volunteer.skills.any(code=skill))
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def get_volunteer(*, user: User, volunteer_id: int) -> Volunteer:
    """One volunteer the user may see, or 404."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not may_see_volunteer(user, volunteer):
        raise NotFound("volunteer not found")
    return volunteer


def _check_team(user: User, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = db.session.get(Team, team_id)
    if team is None or not may_manage_team(user, team):
        raise ValidationFailed("unknown team", field="team_id")
    return team


def create_volunteer(*, user: User, skills: list[str], **fields: Any) -> Volunteer:
    """Register a volunteer (staff)."""
    authorize(user, "volunteers.create")
    station_id = int(fields["station_id"])
    if db.session.get(Station, station_id) is None:
        raise ValidationFailed("unknown station", field="station_id")
    authorize(user, "volunteers.create", station_id, field="station_id")
    if db.session.scalar(db.select(Volunteer.id).where(Volunteer.code == fields["code"])) is not None:
        raise ValidationFailed("volunteer code %(code)s is taken", field="code", params={"code": fields["code"]})
    _check_team(user, fields.get("team_id"))
    volunteer = Volunteer(**fields)
    volunteer.skills = [skill_by_code(code, field=f"skills.{i}") for i, code in enumerate(skills)]
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


def update_volunteer(*, user: User, volunteer_id: int, **changes: Any) -> Volunteer:
    """Change a volunteer's skills, team or limits (their lead or staff; a volunteer their own phone)."""
    volunteer = get_volunteer(user=user, volunteer_id=volunteer_id)
    if not may_manage_volunteer(user, volunteer) and set(changes) - {"phone"}:
        raise Forbidden("only the team lead or staff may change this")
    if "team_id" in changes:
        _check_team(user, changes["team_id"])
    if "skills" in changes:
        codes: list[str] = changes.pop("skills")
        volunteer.skills = [skill_by_code(code, field=f"skills.{i}") for i, code in enumerate(codes)]
    for key, value in changes.items():
        setattr(volunteer, key, value)
    db.session.flush()
    return volunteer


def availability_of(*, user: User, volunteer_id: int) -> dict:
    """A volunteer's weekly slots and exceptions."""
    volunteer = get_volunteer(user=user, volunteer_id=volunteer_id)
    return {"weekly": volunteer.availability, "exceptions": volunteer.exceptions}


@dataclass(frozen=True)
class HalfDay:
    """One of the editor's half-day toggles: a fixed local period of a weekday."""

    code: str
    start_minute: int
    end_minute: int


# The demo county's (and most paper rosters') free times are these blocks; a lunch break separates the first two.
HALF_DAYS = (HalfDay("am", 8 * 60, 12 * 60), HalfDay("pm", 14 * 60, 18 * 60), HalfDay("ev", 18 * 60, 21 * 60))


def half_days_matching(periods: list[tuple[int, int]]) -> frozenset[str] | None:
    """The half-days whose union is exactly one day's weekly periods, or None when they need custom times."""
    wanted = union(sorted(periods))
    for mask in range(1 << len(HALF_DAYS)):
        chosen = [h for i, h in enumerate(HALF_DAYS) if mask >> i & 1]
        if union([(h.start_minute, h.end_minute) for h in chosen]) == wanted:
            return frozenset(h.code for h in chosen)
    return None


def merged_slots(weekly: list[dict]) -> list[AvailabilitySlot]:
    """Weekly slots with overlapping or touching periods of the same day joined."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for slot in weekly:
        by_day.setdefault(slot["weekday"], []).append((slot["start_minute"], slot["end_minute"]))
    return [
        AvailabilitySlot(weekday=day, start_minute=s, end_minute=e)
        for day in sorted(by_day)
        for s, e in union(by_day[day])
    ]


def set_availability(*, user: User, volunteer_id: int, weekly: list[dict], exceptions: list[dict]) -> dict:
    """Replace a volunteer's availability (self, lead or staff); overlapping weekly slots are merged."""
    volunteer = get_volunteer(user=user, volunteer_id=volunteer_id)
    if volunteer.user_id != user.id and not may_manage_volunteer(user, volunteer):
        raise Forbidden("only the volunteer, their team lead or staff over their team may change this")
    keys = [(e["day"], e["start_minute"]) for e in exceptions]
    if len(keys) != len(set(keys)):
        raise ValidationFailed("two exceptions start at the same day and minute", field="exceptions")
    volunteer.availability = merged_slots(weekly)
    volunteer.exceptions = [
        AvailabilityException(**e) for e in sorted(exceptions, key=lambda e: (e["day"], e["start_minute"]))
    ]
    db.session.flush()
    return {"weekly": volunteer.availability, "exceptions": volunteer.exceptions}


def free_intervals(volunteer: Volunteer, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The volunteer's free periods (aware UTC) between two moments: weekly slots plus exceptions."""
    first_day = start.astimezone(LOCAL_TZ).date() - timedelta(days=1)
    last_day = end.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    by_day: dict[date, list[AvailabilityException]] = {}
    for exception in volunteer.exceptions:
        if first_day <= exception.day <= last_day:
            by_day.setdefault(exception.day, []).append(exception)
    weekly: dict[int, list[tuple[int, int]]] = {}
    for slot in volunteer.availability:
        weekly.setdefault(slot.weekday, []).append((slot.start_minute, slot.end_minute))
    spans: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        free = sorted(weekly.get(day.weekday(), []))
        for exception in by_day.get(day, []):
            cut = (exception.start_minute, exception.end_minute)
            free = union([*free, cut]) if exception.available else subtract(free, cut)
        midnight = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
        spans.extend((midnight + timedelta(minutes=s), midnight + timedelta(minutes=e)) for s, e in free)
        day += timedelta(days=1)
    # Join spans across midnight, then clip to the requested period.
    joined = union(spans)
    clipped = [(max(s, start), min(e, end)) for s, e in joined if e > start and s < end]
    return [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in clipped]


# ---------------------------------------------------------------------------------------------------------------
# Administration: teams and the volunteer register, for staff over their subtree


def _staff_team(user: User, team_id: int) -> Team:
    """A team staff may administer (based inside their subtree), or 404."""
    authorize(user, "teams.edit")
    team = db.session.get(Team, team_id)
    ids = scope_station_ids(user)
    if team is None or (ids is not None and team.station_id not in ids):
        raise NotFound("team not found")
    return team


def _lead_candidate(user: User, lead_user_id: int) -> User:
    """An active volunteer or team lead inside the actor's area who may lead a team."""
    lead = db.session.get(User, lead_user_id)
    ids = scope_station_ids(user)
    if (
        lead is None
        or not lead.active
        or not allowed(lead, "teams.lead")
        or (ids is not None and lead.scope_station_id not in ids)
    ):
        raise ValidationFailed("the lead must be an active volunteer or team lead in your area", field="lead_user_id")
    return lead


def _make_lead(team: Team, lead: User) -> None:
    """A volunteer made a lead gains the team lead role; the team remembers who leads it."""
    lead.role = role_as_lead(lead)
    if lead.team_id is None:
        lead.team_id = team.id
    team.lead_user_id = lead.id


def add_team(
    *, user: User, code: str, name: str, station_id: int, specialty: str | None, lead_user_id: int | None
) -> Team:
    """Staff add a team at a station in their area, optionally with a lead from their area."""
    lead = _lead_candidate(user, lead_user_id) if lead_user_id is not None else None
    team = create_team(user=user, code=code, name=name, station_id=station_id, specialty=specialty, lead_user_id=None)
    if lead is not None:
        _make_lead(team, lead)
    db.session.flush()
    record_change("team.created", user, "team", team, team.station_id, {"code": code, "lead_user_id": lead_user_id})
    return team


def change_team(*, user: User, team_id: int, **changes: Any) -> Team:
    """Rename a team, change its specialty or lead, or (de)activate it; a team with work still open stays active."""
    team = _staff_team(user, team_id)
    before = {
        "name": team.name,
        "lead_user_id": team.lead_user_id,
        "active": team.active,
        "specialty": team.specialty.code if team.specialty else None,
        "lent_to": ",".join(c.code for c in team.lent_to),
    }
    if "lent_to" in changes:
        team.lent_to = _neighbouring_counties(team, changes.pop("lent_to"))
    if "specialty" in changes:
        code = changes.pop("specialty")
        team.specialty = None
        if code:
            team.specialty = db.session.scalar(db.select(Specialty).where(Specialty.code == code))
            if team.specialty is None:
                raise ValidationFailed("unknown specialty", field="specialty")
    if "lead_user_id" in changes:
        lead_id = changes.pop("lead_user_id")
        if lead_id is None:
            team.lead_user_id = None
        else:
            _make_lead(team, _lead_candidate(user, int(lead_id)))
    if changes.get("active") is False and team.active:
        _ensure_no_open_work(team)
    for key, value in changes.items():
        setattr(team, key, value)
    db.session.flush()
    after = {
        "name": team.name,
        "lead_user_id": team.lead_user_id,
        "active": team.active,
        "specialty": team.specialty.code if team.specialty else None,
        "lent_to": ",".join(c.code for c in team.lent_to),
    }
    if before != after:
        record_change("team.changed", user, "team", team, team.station_id, changed_fields(before, after))
    return team


def _neighbouring_counties(team: Team, codes: list[str]) -> list[Station]:
    """The county centres named by code, other than the team's own; 422 naming the first one that is not."""
    own = team.station.county().id
    found = {s.code: s for s in db.session.scalars(db.select(Station).where(Station.code.in_(codes)))}
    for index, code in enumerate(codes):
        county = found.get(code)
        if county is None or county.level != "county" or county.id == own:
            raise ValidationFailed("name another county centre by its code", field=f"lent_to.{index}")
    return sorted({found[code] for code in codes}, key=lambda s: s.id)


def _ensure_no_open_work(team: Team) -> None:
    from app.dispatch.models import Proposal
    from app.orders.models import Order

    open_work = db.session.scalar(
        db.select(func.count(Proposal.id))
        .join(Order, Order.id == Proposal.order_id)
        .where(
            Proposal.team_id == team.id,
            Proposal.status.in_(("pending", "accepted")),
            Order.status.in_(("dispatched", "accepted", "in_service")),
        )
    )
    if open_work:
        raise InvalidTransition("the team still has proposals or accepted orders open", field="active")


def set_team_members(*, user: User, team_id: int, add: list[str], remove: list[int]) -> Team:
    """Add volunteers to a team by code and take members off it (staff over the team's station)."""
    team = _staff_team(user, team_id)
    added, removed = [], []
    for i, code in enumerate(add):
        volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.code == code.strip()))
        # Someone on another team is moved through that team (its lead or staff over it), not from their home.
        if volunteer is None or not may_manage_volunteer(user, volunteer):
            raise ValidationFailed("no volunteer with this code in your area", field=f"add.{i}")
        if volunteer.team_id != team.id:
            volunteer.team_id = team.id
            added.append(volunteer.code)
    for volunteer_id in remove:
        volunteer = db.session.get(Volunteer, volunteer_id)
        if volunteer is not None and volunteer.team_id == team.id:
            volunteer.team_id = None
            removed.append(volunteer.code)
    db.session.flush()
    db.session.expire(team, ["members"])
    if added or removed:
        record_change(
            "team.members_changed",
            user,
            "team",
            team,
            team.station_id,
            {"added": ",".join(added), "removed": ",".join(removed)},
        )
    return team


def search_volunteers(
    *,
    user: User,
    q: str | None = None,
    team_id: int | None = None,
    station_id: int | None = None,
    skill: str | None = None,
    active: bool | None = None,
    no_team: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> Page[Volunteer]:
    """Volunteers the user may see, searched by name or code, filtered, one page at a time (counted in SQL)."""
    query = _visible_volunteers(user)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Volunteer.name).like(pattern), func.lower(Volunteer.code).like(pattern)))
    if team_id is not None:
        query = query.where(Volunteer.team_id == team_id)
    if no_team:
        query = query.where(Volunteer.team_id.is_(None))
    if station_id is not None:
        from app.accounts.access import subtree_ids

        query = query.where(Volunteer.station_id.in_(subtree_ids(station_id)))
    if skill:
        query = query.where(Volunteer.skills.any(code=skill))
    if active is not None:
        query = query.where(Volunteer.active.is_(active))
    query = query.options(selectinload(Volunteer.skills), selectinload(Volunteer.team))
    return paginate(query, order_by=Volunteer.code, page=page, per_page=per_page)


def _visible_volunteers(user: User):
    """The select of volunteers a user may see (same rule as list_volunteers)."""
    query = db.select(Volunteer)
    if allowed(user, "volunteers.list.station"):
        ids = scope_station_ids(user)
        if ids is not None:
            query = query.outerjoin(Team, Team.id == Volunteer.team_id).where(
                Volunteer.station_id.in_(ids) | Team.station_id.in_(ids)
            )
    elif allowed(user, "volunteers.list.team"):
        query = query.where(Volunteer.team_id.in_(lead_team_ids(user)))
    else:
        query = query.where(Volunteer.user_id == user.id)
    return query
