"""Household visit campaigns (入户走访): the household list, campaigns, planning, route sheets and outcomes.

Rules:
- Staff (station, county, admin) keep the household list and run campaigns at stations in their scope.
  Addresses and tags are personal data: whole only to those staff and to the volunteer assigned to visit;
  masked in lists; never logged (the audit log records counts, not rows).
- A campaign targets the active households of its station's area that carry any of its tags (all of them
  when it names none); each becomes one visit. Its volunteers must be active and based in the area.
- Planning turns each volunteer's free half-days (VISIT_HALF_DAYS, local time) in the campaign's period,
  from now on, into shifts, and routes them with OR-Tools (app.visits.planner). Households with priority
  tags weigh more. A re-plan plans again every visit not finished (pending or not at home), over the shifts
  still ahead; finished visits (visited, refused) keep their record.
- The assigned volunteer, or staff of the area, records each visit's outcome: visited, not at home or
  refused, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from app.accounts.access import (
    authorize,
    in_scope,
    scope_station_ids,
    subtree_ids,
    within_scope,
)
from app.accounts.models import User
from app.audit.service import record
from app.core import uploads
from app.core.errors import InvalidTransition, NotFound, ValidationFailed
from app.core.timeutil import LOCAL_TZ, local_midnight, to_local, utcnow
from app.extensions import db
from app.stations.models import Station
from app.visits import planner
from app.visits.models import (
    FINAL_OUTCOMES,
    HOUSEHOLD_TAGS,
    OUTCOMES,
    TOPICS,
    TRAVEL_MODES,
    Campaign,
    Household,
    HouseholdImport,
    Visit,
)
from app.volunteers.models import Volunteer
from app.volunteers.service import free_intervals, volunteer_of

# Tags that make a household weigh more when not every household fits in the plan.
PRIORITY_TAGS = ("elderly_alone", "fire_hazard", "disability")
# Chinese or English names of the tags, as grid workers write them.
TAG_NAMES = {
    "elderly_alone": "elderly_alone", "独居老人": "elderly_alone", "独居": "elderly_alone",
    "fire_hazard": "fire_hazard", "消防隐患": "fire_hazard", "火灾隐患": "fire_hazard",
    "disability": "disability", "残疾人": "disability", "残疾": "disability",
    "low_income": "low_income", "低保户": "low_income", "低保": "low_income",
    "left_behind_child": "left_behind_child", "留守儿童": "left_behind_child",
    "other": "other", "其他": "other",
}  # fmt: skip
COLUMNS = ("code", "address", "lat", "lon", "tags", "station")
HEADINGS = {
    "code": "code", "编号": "code", "户编号": "code",
    "address": "address", "地址": "address", "住址": "address",
    "lat": "lat", "latitude": "lat", "纬度": "lat",
    "lon": "lon", "lng": "lon", "longitude": "lon", "经度": "lon",
    "tags": "tags", "标签": "tags", "类别": "tags",
    "station": "station", "站点": "station", "站点编号": "station", "所属站点": "station",
}  # fmt: skip
_SPLIT = (",", "，", "、", ";", "；", " ")
# A shift shorter than this is not worth a route.
MIN_SHIFT_MINUTES = 60


def _staff_station(user: User, station_id: int, *, field: str = "station_id") -> Station:
    authorize(user, "visits.manage")
    station = db.session.get(Station, station_id)
    if station is None or not in_scope(user, "visits.manage", station_id):
        raise NotFound("station not found in your scope", field=field)
    return station


def split_tags(text: str) -> list[str]:
    """The words of a tags cell, split on commas, enumeration commas, semicolons and spaces."""
    for mark in _SPLIT[1:]:
        text = text.replace(mark, _SPLIT[0])
    return [t.strip() for t in text.split(_SPLIT[0]) if t.strip()]


def tag_codes(text: str) -> list[str]:
    """The tag codes a tags cell names, Chinese or English; unknown words count as "other"."""
    return sorted({TAG_NAMES.get(t, TAG_NAMES.get(t.lower(), "other")) for t in split_tags(text)})


# ---------------------------------------------------------------------------------------------------------------
# Households


def list_households(*, user: User, station_id: int | None = None, tag: str | None = None) -> list[Household]:
    """Active households at stations in the user's scope (staff only)."""
    authorize(user, "visits.manage")
    query = db.select(Household).where(Household.active.is_(True)).order_by(Household.station_id, Household.code)
    query = within_scope(query, user, Household.station_id)
    if station_id is not None:
        query = query.where(Household.station_id.in_(subtree_ids(station_id)))
    households = list(db.session.scalars(query))
    return [h for h in households if tag is None or tag in h.tags]


def _check_household(
    check: uploads.RowCheck, stations: dict[str, Station], taken: set[tuple[int, str]], seen: set
) -> None:
    v, errors = check.values, check.errors
    station = stations.get(v["station"])
    if station is None:
        errors["station"] = "no station with this code in your area"
    if not v["code"]:
        errors["code"] = "a code is required"
    elif len(v["code"]) > 40:
        errors["code"] = "the code is longer than 40 characters"
    elif station is not None and (station.id, v["code"]) in taken:
        errors["code"] = "a household with this code exists already at this station"
    elif (v["station"], v["code"]) in seen:
        errors["code"] = "this code is also on another row of the file"
    else:
        seen.add((v["station"], v["code"]))
    if not v["address"]:
        errors["address"] = "an address is required"
    elif len(v["address"]) > 200:
        errors["address"] = "the address is longer than 200 characters"
    for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        try:
            number = float(v[name])
        except ValueError:
            number = float("nan")
        if not low <= number <= high:
            errors[name] = (
                "the latitude must be a number from -90 to 90"
                if name == "lat"
                else ("the longitude must be a number from -180 to 180")
            )
    if any(TAG_NAMES.get(t, TAG_NAMES.get(t.lower())) is None for t in split_tags(v["tags"])):
        errors["tags"] = "a tag is not on the list of tags"


HouseholdImportPreview = uploads.UploadPreview[HouseholdImport]


def check_household_rows(*, user: User, rows: list[dict]) -> list[uploads.RowCheck]:
    """Every row checked against the rules and against the other rows and the list as it is."""
    ids = scope_station_ids(user)
    stations: dict[str, Station] = {}
    for s in db.session.scalars(db.select(Station)):
        if ids is None or s.id in ids:
            stations[s.code] = s
            stations.setdefault(s.name, s)
    taken = {(sid, code) for sid, code in db.session.execute(db.select(Household.station_id, Household.code))}
    seen: set = set()
    checks = []
    for row in rows:
        check = uploads.RowCheck(line=row["line"], values={c: row.get(c, "") for c in COLUMNS})
        _check_household(check, stations, taken, seen)
        checks.append(check)
    return checks


def preview_household_import(*, user: User, filename: str, content: bytes) -> HouseholdImportPreview:
    """Read and check an uploaded household list and keep it until the staff member confirms it."""
    authorize(user, "visits.manage")
    table = uploads.read_table(filename=filename, content=content)
    header = uploads.column_names(table[0], HEADINGS)
    if any(c not in header for c in ("code", "address", "lat", "lon", "station")):
        raise ValidationFailed("the first row must name the columns code, address, lat, lon and station", field="file")
    rows = uploads.table_rows(table, header, COLUMNS)
    upload = uploads.keep_upload(HouseholdImport, user_id=user.id, filename=filename, rows=rows)
    return HouseholdImportPreview(upload=upload, rows=check_household_rows(user=user, rows=rows))


def get_household_import(*, user: User, import_id: int) -> HouseholdImportPreview:
    """An upload by this user, its rows checked again against the list as it is now."""
    authorize(user, "visits.manage")
    upload = uploads.own_upload(HouseholdImport, user_id=user.id, upload_id=import_id)
    return HouseholdImportPreview(upload=upload, rows=check_household_rows(user=user, rows=upload.rows))


def commit_household_import(*, user: User, import_id: int, skip_invalid: bool = False) -> HouseholdImportPreview:
    """Create the households of a previewed upload, once; all rows or none unless told to skip the faulty ones."""
    preview = get_household_import(user=user, import_id=import_id)
    uploads.claim_upload(preview, skip_invalid=skip_invalid)
    stations = {s.code: s for s in db.session.scalars(db.select(Station))}
    stations.update({s.name: s for s in stations.values() if s.name not in stations})
    created = [
        Household(
            station=stations[check.values["station"]],
            code=check.values["code"],
            address=check.values["address"],
            lat=float(check.values["lat"]),
            lon=float(check.values["lon"]),
            tags=tag_codes(check.values["tags"]),
        )
        for check in preview.rows
        if check.ok
    ]
    db.session.add_all(created)
    uploads.count_created(preview, created=len(created))
    record(
        "visits.households_imported",
        actor=user,
        target_type="household_import",
        target_id=preview.upload.id,
        details={"created": len(created), "skipped": preview.invalid},
    )
    return preview


# ---------------------------------------------------------------------------------------------------------------
# Campaigns


def create_campaign(
    *,
    user: User,
    station_id: int,
    title: str,
    topic: str,
    starts_on: date,
    ends_on: date,
    volunteer_ids: list[int],
    target_tags: list[str] | None = None,
    visit_minutes: int = 20,
    max_visits_per_shift: int = 8,
    travel_mode: str = "walk",
) -> Campaign:
    """A campaign at a station in the user's scope, with one visit per targeted household."""
    station = _staff_station(user, station_id)
    if not title.strip():
        raise ValidationFailed("give the campaign a title", field="title")
    if topic not in TOPICS:
        raise ValidationFailed("unknown topic", field="topic")
    if travel_mode not in TRAVEL_MODES:
        raise ValidationFailed("unknown way of travelling", field="travel_mode")
    if ends_on < starts_on:
        raise ValidationFailed("the campaign ends before it starts", field="ends_on")
    if ends_on < to_local(utcnow()).date():
        raise ValidationFailed("the campaign's period has passed", field="ends_on")
    if (ends_on - starts_on).days > 92:
        raise ValidationFailed("a campaign lasts at most three months", field="ends_on")
    tags = sorted(set(target_tags or []))
    if any(t not in HOUSEHOLD_TAGS for t in tags):
        raise ValidationFailed("a tag is not on the list of tags", field="target_tags")
    area = subtree_ids(station.id)
    volunteers = list(db.session.scalars(db.select(Volunteer).where(Volunteer.id.in_(set(volunteer_ids)))))
    if not volunteers or len(volunteers) != len(set(volunteer_ids)):
        raise ValidationFailed("choose volunteers of this area", field="volunteer_ids")
    if any(not v.active or v.station_id not in area for v in volunteers):
        raise ValidationFailed("choose volunteers of this area", field="volunteer_ids")
    targets = [
        h
        for h in db.session.scalars(
            db.select(Household).where(Household.station_id.in_(area), Household.active.is_(True))
        )
        if not tags or set(tags) & set(h.tags)
    ]
    if not targets:
        raise ValidationFailed("no household of this area carries these tags", field="target_tags")
    campaign = Campaign(
        station=station,
        title=title.strip(),
        topic=topic,
        starts_on=starts_on,
        ends_on=ends_on,
        target_tags=tags,
        visit_minutes=visit_minutes,
        max_visits_per_shift=max_visits_per_shift,
        travel_mode=travel_mode,
        created_by_id=user.id,
    )
    campaign.volunteers = volunteers
    db.session.add(campaign)
    db.session.add_all(Visit(campaign=campaign, household=h) for h in targets)
    db.session.flush()
    return campaign


def list_campaigns(*, user: User) -> list[Campaign]:
    """Campaigns at stations in the user's scope, newest first (staff only)."""
    authorize(user, "visits.manage")
    query = within_scope(
        db.select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()), user, Campaign.station_id
    )
    return list(db.session.scalars(query))


def get_campaign(*, user: User, campaign_id: int, lock: bool = False) -> Campaign:
    """One campaign in the user's scope (staff only); with lock, its row is held until the request commits."""
    authorize(user, "visits.manage")
    campaign = db.session.get(Campaign, campaign_id, with_for_update=lock)
    if campaign is None or not in_scope(user, "visits.manage", campaign.station_id):
        raise NotFound("campaign not found", field="campaign_id")
    return campaign


# ---------------------------------------------------------------------------------------------------------------
# Planning


def half_days() -> list[tuple[int, int]]:
    """The half-days volunteers visit in, as (start, end) minutes after local midnight (VISIT_HALF_DAYS)."""
    spans = []
    for part in current_app.config["VISIT_HALF_DAYS"]:
        start, _, end = part.partition("-")
        (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
        spans.append((h1 * 60 + m1, h2 * 60 + m2))
    return spans


def shifts_of(campaign: Campaign, *, since: datetime) -> tuple[datetime, list[planner.Shift], dict[str, datetime]]:
    """The campaign volunteers' free half-days from `since` to the period's end, as planner shifts, each with
    the start of its half-day (route sheets group visits by it).

    Minutes count from local midnight of the period's first day; a half-day partly free gives its longest
    free stretch, and one shorter than MIN_SHIFT_MINUTES is left out. A half-day that already holds finished
    visits keeps them: it offers only the visits left under the cap, after the last of them.
    """
    origin = local_midnight(campaign.starts_on)
    period_end = local_midnight(campaign.ends_on + timedelta(days=1))
    since = max(since, origin)
    spans = half_days()
    # When each volunteer's finished visits were planned to start.
    finished: dict[int, list[datetime]] = {}
    for visit in campaign.visits:
        if visit.outcome in FINAL_OUTCOMES and visit.volunteer_id is not None and visit.planned_at is not None:
            finished.setdefault(visit.volunteer_id, []).append(visit.planned_at)
    shifts: list[planner.Shift] = []
    slots: dict[str, datetime] = {}
    for volunteer in campaign.volunteers:
        if not volunteer.active:
            continue
        free = free_intervals(volunteer, since, period_end)
        day = campaign.starts_on
        while day <= campaign.ends_on:
            midnight = local_midnight(day)
            for start, end in spans:
                half_day, hi = midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)
                done = [at for at in finished.get(volunteer.id, []) if half_day <= at < hi]
                cap = campaign.max_visits_per_shift - len(done)
                after = [at + timedelta(minutes=campaign.visit_minutes) for at in done]
                lo = max([half_day, since, *after])
                pieces = [(max(a, lo), min(b, hi)) for a, b in free if b > lo and a < hi]
                if not pieces or cap <= 0:
                    continue
                s, e = max(pieces, key=lambda p: p[1] - p[0])
                if (e - s) < timedelta(minutes=MIN_SHIFT_MINUTES):
                    continue
                shift_id = f"{volunteer.id}@{int((half_day - origin).total_seconds() // 60)}"
                shifts.append(
                    planner.Shift(
                        id=shift_id,
                        volunteer=str(volunteer.id),
                        lat=volunteer.station.lat,
                        lon=volunteer.station.lon,
                        start=int((s - origin).total_seconds() // 60),
                        end=int((e - origin).total_seconds() // 60),
                        max_visits=cap,
                    )
                )
                slots[shift_id] = half_day
            day += timedelta(days=1)
    return origin, shifts, slots


def planning_problem(
    campaign: Campaign, *, since: datetime
) -> tuple[datetime, planner.Problem, list[Visit], dict[str, datetime]]:
    """The planner's problem for the campaign's unfinished visits over the shifts from `since` on."""
    origin, shifts, slots = shifts_of(campaign, since=since)
    open_visits = [v for v in campaign.visits if v.outcome not in FINAL_OUTCOMES]
    households = tuple(
        planner.Household(
            id=str(v.id),
            lat=v.household.lat,
            lon=v.household.lon,
            weight=1 + 2 * len(set(v.household.tags) & set(PRIORITY_TAGS)),
        )
        for v in open_visits
    )
    speed = current_app.config["VISIT_WALK_KMH" if campaign.travel_mode == "walk" else "VISIT_DRIVE_KMH"]
    problem = planner.Problem(households, tuple(shifts), campaign.visit_minutes, float(speed))
    return origin, problem, open_visits, slots


def plan_campaign(*, user: User, campaign_id: int) -> Campaign:
    """Plan (or re-plan) every unfinished visit of the campaign over the volunteers' half-days still ahead."""
    # The campaign's row lock makes plans and outcomes of one campaign take turns: a re-plan never
    # overwrites an outcome recorded while it was searching, and two plans never mix their routes.
    campaign = get_campaign(user=user, campaign_id=campaign_id, lock=True)
    now = utcnow()
    if to_local(now).date() > campaign.ends_on:
        raise InvalidTransition("the campaign's period has passed", field="campaign_id")
    origin, problem, open_visits, slots = planning_problem(campaign, since=now)
    plan = planner.solve(problem, time_limit_s=float(current_app.config["VISIT_PLAN_SECONDS"]))
    broken = planner.check_plan(problem, plan)
    if broken:
        # The checker is the referee: a plan it refuses is not stored.
        raise InvalidTransition("the planner returned routes that break the rules", field="campaign_id")
    by_id = {str(v.id): v for v in open_visits}
    shifts = {s.id: s for s in problem.shifts}
    for visit in open_visits:
        visit.volunteer_id = visit.shift_start = visit.planned_at = visit.sequence = None
        visit.outcome = "pending"
    for route in plan.routes:
        shift = shifts[route.shift]
        for stop in route.stops:
            visit = by_id[stop.household]
            visit.volunteer_id = int(shift.volunteer)
            visit.shift_start = slots[route.shift]
            visit.planned_at = origin + timedelta(minutes=stop.start)
    _number_routes(campaign)
    campaign.planned_at = now
    campaign.plan_stats = {
        "status": plan.status,
        "seconds": round(plan.seconds, 2),
        "shifts": len(problem.shifts),
        "routes": len(plan.routes),
        "planned": len(open_visits) - len(plan.dropped),
        "dropped": len(plan.dropped),
        "travel_km": round(plan.travel_km, 2),
        "bound_km": round(plan.bound_km or 0.0, 2),
    }
    db.session.flush()
    return campaign


def _number_routes(campaign: Campaign) -> None:
    """Number each half-day's visits 1, 2, 3 … in time order, finished ones included, so sheets read in order."""
    routes: dict[tuple[int, datetime], list[Visit]] = {}
    for visit in campaign.visits:
        if visit.volunteer_id is not None and visit.shift_start is not None and visit.planned_at is not None:
            routes.setdefault((visit.volunteer_id, visit.shift_start), []).append(visit)
    for route in routes.values():
        for number, visit in enumerate(sorted(route, key=lambda v: (v.planned_at, v.id)), start=1):
            visit.sequence = number


# ---------------------------------------------------------------------------------------------------------------
# Routes and outcomes


@dataclass
class RouteSheet:
    """One volunteer's half-day: the visits in visiting order."""

    campaign: Campaign
    volunteer: Volunteer
    shift_start: datetime
    visits: list[Visit]


def _sheets(campaign: Campaign, visits: list[Visit]) -> list[RouteSheet]:
    groups: dict[tuple[int, datetime], list[Visit]] = {}
    for visit in visits:
        if visit.volunteer_id is not None and visit.shift_start is not None:
            groups.setdefault((visit.volunteer_id, visit.shift_start), []).append(visit)
    sheets = [
        RouteSheet(campaign, group[0].volunteer, start, sorted(group, key=lambda v: v.sequence or 0))  # type: ignore[arg-type]
        for (_, start), group in groups.items()
    ]
    return sorted(sheets, key=lambda s: (s.shift_start, s.volunteer.code))


def campaign_routes(*, user: User, campaign_id: int) -> list[RouteSheet]:
    """Every route of the campaign in time order (staff of the area)."""
    campaign = get_campaign(user=user, campaign_id=campaign_id)
    return _sheets(campaign, campaign.visits)


def my_routes(*, user: User, since: datetime | None = None) -> list[RouteSheet]:
    """The signed-in user's routes from today on unless told otherwise (none for someone who is no volunteer)."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        return []
    since = since or local_midnight(to_local(utcnow()).date())
    visits = list(
        db.session.scalars(
            db.select(Visit)
            .where(Visit.volunteer_id == volunteer.id, Visit.shift_start >= since)
            .order_by(Visit.shift_start, Visit.sequence)
        )
    )
    sheets: list[RouteSheet] = []
    by_campaign: dict[int, list[Visit]] = {}
    for visit in visits:
        by_campaign.setdefault(visit.campaign_id, []).append(visit)
    for group in by_campaign.values():
        sheets.extend(_sheets(group[0].campaign, group))
    return sorted(sheets, key=lambda s: s.shift_start)


def routes_starting(*, start: datetime, end: datetime) -> list[RouteSheet]:
    """Every route with visits still to make whose half-day starts from start to before end (for reminders)."""
    visits = list(
        db.session.scalars(
            db.select(Visit)
            .where(
                Visit.shift_start >= start,
                Visit.shift_start < end,
                Visit.volunteer_id.is_not(None),
                Visit.outcome == "pending",
            )
            .order_by(Visit.campaign_id, Visit.shift_start, Visit.sequence)
        )
    )
    by_campaign: dict[int, list[Visit]] = {}
    for visit in visits:
        by_campaign.setdefault(visit.campaign_id, []).append(visit)
    sheets = [sheet for group in by_campaign.values() for sheet in _sheets(group[0].campaign, group)]
    return sorted(sheets, key=lambda s: (s.shift_start, s.volunteer.code))


def can_see_visit(user: User, visit: Visit) -> bool:
    """Staff of the campaign's area, and the volunteer assigned to the visit."""
    if in_scope(user, "visits.manage", visit.campaign.station_id):
        return True
    volunteer = volunteer_of(user)
    return volunteer is not None and visit.volunteer_id == volunteer.id


def record_outcome(*, user: User, visit_id: int, outcome: str, note: str = "") -> Visit:
    """Record what came of a visit: visited, not at home or refused, with a note."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not can_see_visit(user, visit):
        raise NotFound("visit not found", field="visit_id")
    # Wait for a plan of this campaign under way, then read the visit as that plan left it (it may have
    # moved the visit to another volunteer).
    db.session.get(Campaign, visit.campaign_id, with_for_update=True)
    db.session.refresh(visit)
    if not can_see_visit(user, visit):
        raise NotFound("visit not found", field="visit_id")
    if outcome not in OUTCOMES or outcome == "pending":
        raise ValidationFailed("the outcome is visited, not_home or refused", field="outcome")
    visit.outcome = outcome
    visit.note = note.strip()[:400]
    visit.attempts += 1
    visit.recorded_at = utcnow()
    visit.recorded_by_id = user.id
    db.session.flush()
    return visit


@dataclass
class Coverage:
    """The campaign's households as points on the map, by outcome; no addresses."""

    campaign: Campaign
    points: list[dict]
    counts: dict[str, int]


def coverage(*, user: User, campaign_id: int) -> Coverage:
    """Where the campaign's households are and what came of each visit (staff of the area)."""
    campaign = get_campaign(user=user, campaign_id=campaign_id)
    counts = dict.fromkeys(OUTCOMES, 0)
    points = []
    for visit in campaign.visits:
        counts[visit.outcome] += 1
        points.append(
            {"lat": visit.household.lat, "lon": visit.household.lon, "outcome": visit.outcome,
             "planned": visit.planned_at is not None}
        )  # fmt: skip
    return Coverage(campaign, points, counts)


def local_day(moment: datetime) -> date:
    """The local calendar day of a moment."""
    return moment.astimezone(LOCAL_TZ).date()
