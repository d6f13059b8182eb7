"""Builders for test data: a small county with every role, and helpers to make more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.accounts.models import User
from app.core.timeutil import LOCAL_TZ, utcnow
from app.demo.reference import seed_reference_data
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.menu.models import MenuItem, Skill
from app.orders import service as orders
from app.orders.models import Order
from app.stations.models import Station
from app.volunteers.models import AvailabilitySlot, Team, Volunteer

PASSWORD = "pass-1234"


@dataclass
class World:
    """Handles to the objects of the small test county."""

    stations: dict[str, Station] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    volunteers: dict[str, Volunteer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def menu_item(self, code: str) -> MenuItem:
        """A menu item by code."""
        return db.session.scalar(db.select(MenuItem).where(MenuItem.code == code))


def make_station(code: str, name: str, level: str, lat: float, lon: float, parent: Station | None = None) -> Station:
    """Add a station."""
    station = Station(code=code, name=name, level=level, lat=lat, lon=lon, parent=parent)
    db.session.add(station)
    return station


def make_user(username: str, role: str, scope: Station | None, *, team: Team | None = None) -> User:
    """Add a user with the shared test password."""
    user = User(
        username=username,
        display_name=username,
        role=role,
        scope_station=scope,
        team_id=team.id if team is not None else None,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def make_volunteer(
    code: str,
    team: Team,
    station: Station,
    skills: list[str],
    *,
    hours: tuple[int, int] = (8, 20),
    days: range = range(7),
    max_orders: int = 5,
    max_km: float | None = None,
) -> Volunteer:
    """Add a volunteer free every day in the given local hours."""
    skill_rows = list(db.session.scalars(db.select(Skill).where(Skill.code.in_(skills))))
    volunteer = Volunteer(
        code=code,
        name=f"志愿者{code}",
        team=team,
        station=station,
        skills=skill_rows,
        max_orders_per_week=max_orders,
        max_km=max_km,
    )
    volunteer.availability = [
        AvailabilitySlot(weekday=d, start_minute=hours[0] * 60, end_minute=hours[1] * 60) for d in days
    ]
    db.session.add(volunteer)
    return volunteer


def build_world() -> World:
    """A county with two townships and three villages, three teams, six volunteers and a user per role."""
    seed_reference_data()
    w = World()
    county = make_station("PY", "彭阳县新时代文明实践中心", "county", 35.849, 106.638)
    town_a = make_station("PY-BY", "白阳镇新时代文明实践所", "township", 35.86, 106.64, county)
    town_b = make_station("PY-CM", "草庙乡新时代文明实践所", "township", 35.95, 106.50, county)
    village_a1 = make_station("PY-BY-01", "白阳镇阳洼村新时代文明实践站", "village", 35.87, 106.66, town_a)
    village_a2 = make_station("PY-BY-02", "白阳镇中庄村新时代文明实践站", "village", 35.83, 106.62, town_a)
    village_b1 = make_station("PY-CM-01", "草庙乡草庙村新时代文明实践站", "village", 35.96, 106.49, town_b)
    w.stations = {s.code: s for s in (county, town_a, town_b, village_a1, village_a2, village_b1)}
    db.session.flush()
    # The reference menu is this county's own (a second county has none until it adds or adopts some).
    db.session.execute(db.update(MenuItem).where(MenuItem.station_id.is_(None)).values(station_id=county.id))

    village_team = Team(code="T-V-A1", name="阳洼村文明践行队", level="village", station=village_a1)
    town_team = Team(code="T-T-A", name="白阳镇理论政策宣讲队", level="township", station=town_a)
    county_team = Team(code="T-C", name="县义诊志愿服务队", level="county", station=county)
    db.session.add_all([village_team, town_team, county_team])
    db.session.flush()
    w.teams = {t.code: t for t in (village_team, town_team, county_team)}

    w.users["admin"] = make_user("admin", "admin", None)
    w.users["county"] = make_user("county", "county_staff", county)
    w.users["town"] = make_user("town", "station_staff", town_a)
    w.users["staff"] = make_user("staff", "station_staff", village_a1)
    w.users["staff_b"] = make_user("staff_b", "station_staff", village_b1)
    w.users["resident"] = make_user("resident", "resident", village_a1)
    for key, team in (("lead_v", village_team), ("lead_t", town_team), ("lead_c", county_team)):
        w.users[key] = make_user(key, "team_lead", team.station, team=team)
        team.lead_user_id = w.users[key].id

    w.volunteers["v1"] = make_volunteer("V1", village_team, village_a1, ["household-visit", "elder-care"])
    w.volunteers["v2"] = make_volunteer("V2", village_team, village_a1, ["elder-care", "policy-lecture"])
    w.volunteers["v3"] = make_volunteer("V3", town_team, town_a, ["policy-lecture", "household-visit"])
    w.volunteers["v4"] = make_volunteer("V4", town_team, town_a, ["elder-care", "theory-lecture"])
    w.volunteers["v5"] = make_volunteer("V5", county_team, county, ["medical", "first-aid", "elder-care"])
    w.volunteers["v6"] = make_volunteer("V6", county_team, county, ["medical", "policy-lecture"])
    db.session.flush()
    w.users["volunteer"] = make_user("volunteer", "volunteer", village_a1, team=village_team)
    w.volunteers["v1"].user_id = w.users["volunteer"].id
    db.session.flush()
    return w


def build_second_county(w: World) -> World:
    """A second county (西吉县) beside the first, with a village, a team, a volunteer and its staff and lead."""
    county = make_station("XJ", "西吉县新时代文明实践中心", "county", 35.96, 105.73)
    town = make_station("XJ-JQ", "吉强镇新时代文明实践所", "township", 35.97, 105.72, county)
    village = make_station("XJ-JQ-01", "吉强镇龙王坝村新时代文明实践站", "village", 35.98, 105.70, town)
    db.session.flush()
    w.stations.update({s.code: s for s in (county, town, village)})
    team = Team(code="T-XJ", name="龙王坝村志愿服务队", level="village", station=village)
    db.session.add(team)
    db.session.flush()
    w.teams[team.code] = team
    w.users["county2"] = make_user("county2", "county_staff", county)
    w.users["staff2"] = make_user("staff2", "station_staff", village)
    w.users["lead2"] = make_user("lead2", "team_lead", village, team=team)
    w.users["resident2"] = make_user("resident2", "resident", village)
    team.lead_user_id = w.users["lead2"].id
    w.volunteers["x1"] = make_volunteer("X1", team, village, ["household-visit", "elder-care"])
    db.session.flush()
    return w


def slot(index: int, *, days: int = 1, hours: int = 2) -> datetime:
    """A distinct two-hour service slot per index, local daytime, from tomorrow on."""
    day = (datetime.now(LOCAL_TZ) + timedelta(days=days + index // 4)).date()
    return datetime(day.year, day.month, day.day, 8 + 3 * (index % 4), tzinfo=LOCAL_TZ)


def placed_order(world: World, start: datetime, *, station: str = "PY-BY-01", by: str = "county") -> Order:
    """An elder-care visit (MI-15) placed by a user (the county's staff) for a walk-in at a station, wanted in the
    three hours from `start`."""
    return orders.place_order(
        user=world.users[by],
        menu_item_id=world.menu_item("MI-15").id,
        station_id=world.stations[station].id,
        windows=[{"start": start, "end": start + timedelta(hours=3)}],
        resident={"name": "马大爷", "phone": "13900000000"},
    )


def proposed_order(world: World, start: datetime, crew: list[Volunteer], *, team: Team | None = None) -> Proposal:
    """A dispatched order: placed, with a pending proposal to the village team for `crew` at `start`."""
    order = placed_order(world, start)
    skill = db.session.scalar(db.select(Skill).where(Skill.code == "elder-care"))
    proposal = Proposal(
        order=order,
        team=team or world.teams["T-V-A1"],
        start_at=start,
        end_at=start + timedelta(minutes=order.duration_minutes),
        deadline_at=utcnow() + timedelta(hours=12),
        status="pending",
        explanation={},
    )
    proposal.crew = [ProposalMember(volunteer=v, skill=skill) for v in crew]
    db.session.add(proposal)
    orders.transition(order, "dispatched", actor=None, reason="proposed (test)")
    db.session.flush()
    return proposal


def accepted_order(world: World, start: datetime, crew: list[Volunteer], *, team: Team | None = None) -> Proposal:
    """An accepted order: proposed, then accepted by the team's lead through the service."""
    from app.dispatch.proposals import accept_proposal

    proposal = proposed_order(world, start, crew, team=team)
    lead = db.session.get(type(world.users["admin"]), proposal.team.lead_user_id)
    return accept_proposal(user=lead, proposal_id=proposal.id)


def jobs_in_two_counties(world: World) -> str:
    """A second county, and an accepted job at the same start in each; committed. The ISO week label of that start."""
    from app.core.timeutil import week_start

    build_second_county(world)
    start = slot(0)
    accepted_order(world, start, [world.volunteers["v1"]])
    accepted_order(world, start, [world.volunteers["x1"]], team=world.teams["T-XJ"])
    db.session.commit()
    week = week_start(start).isocalendar()
    return f"{week.year}-W{week.week:02d}"
