"""The demo county: Pengyang-shaped (1 centre, 12 township institutes, 18 village stations), deterministic.

Names and activities come from the newspaper page Diandan was conceived from: the county's 8 specialty teams,
the five modes 讲帮树乐行, the six words residents use, deliberation meetings and household visits.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import text

from app.accounts.models import User
from app.core.timeutil import LOCAL_TZ, utcnow
from app.demo.reference import SKILLS, seed_reference_data
from app.extensions import db
from app.menu.models import MenuItem, Skill, Specialty
from app.orders.models import RATING_TAGS, Order, OrderEvent, OrderNeed, OrderWindow, Rating, Resident, ServiceRecord
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer
from app.volunteers.service import merged_slots

DEMO_PASSWORD = "diandan123"
COUNTY = ("PY", "彭阳县新时代文明实践中心", 35.849, 106.638)
# The county's 12 townships (乡镇), with approximate coordinates.
TOWNSHIPS = [
    ("BY", "白阳镇", 35.852, 106.642),
    ("WW", "王洼镇", 36.062, 106.590),
    ("GC", "古城镇", 35.930, 106.420),
    ("HH", "红河镇", 35.720, 106.760),
    ("XJ", "新集乡", 35.790, 106.520),
    ("CY", "城阳乡", 35.780, 106.700),
    ("MY", "孟塬乡", 35.870, 106.850),
    ("FZ", "冯庄乡", 36.010, 106.750),
    ("XC", "小岔乡", 36.100, 106.480),
    ("CM", "草庙乡", 35.960, 106.510),
    ("JC", "交岔乡", 35.700, 106.600),
    ("LW", "罗洼乡", 35.940, 106.680),
]
# 18 village stations (站): two in each of the first six townships, one in each of the other six.
VILLAGES = [
    ("BY", "阳洼村"),
    ("BY", "中庄村"),
    ("WW", "王洼村"),
    ("WW", "石岔村"),
    ("GC", "古城村"),
    ("GC", "海口村"),
    ("HH", "红河村"),
    ("HH", "文沟村"),
    ("XJ", "新集村"),
    ("XJ", "白河村"),
    ("CY", "城阳村"),
    ("CY", "长城村"),
    ("MY", "孟塬村"),
    ("FZ", "冯庄村"),
    ("XC", "小岔村"),
    ("CM", "草庙村"),
    ("CM", "新洼村"),
    ("JC", "交岔村"),
]
SURNAMES = (
    "王李张刘陈杨马黄赵周吴徐孙朱胡郭何罗高林梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国红梅志强海燕玉兰晓东春花文斌宏伟丽娟国庆建华秀兰桂芳"
SPECIALTY_SKILLS: dict[str, list[str]] = {}
for _code, _zh, _en, _specialty in SKILLS:
    SPECIALTY_SKILLS.setdefault(_specialty, []).append(_code)
TEAM_SUFFIX = {
    "lecture": "理论政策宣讲队",
    "civility": "文明践行队",
    "tutoring": "助学支教队",
    "health-env": "卫生环保队",
    "legal": "法律援助队",
    "clinic": "义诊服务队",
    "farming": "农技推广队",
    "arts": "文化文艺队",
}
# Availability patterns (weekday list, start hour, end hour): weekday evenings, weekends, farm slack mornings ...
PATTERNS = [
    (range(0, 5), 18, 21),
    (range(5, 7), 8, 18),
    (range(0, 7), 8, 12),
    (range(0, 5), 9, 17),
    (range(0, 7), 14, 18),
    ((1, 3, 5), 8, 20),
    ((0, 2, 4, 6), 9, 16),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _wipe() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
        db.session.execute(text("PRAGMA foreign_keys=ON"))
    # The rows are gone; forget the objects the session still holds for them.
    db.session.expunge_all()


_demo_hash: dict[str, str] = {}


def _user(username: str, name: str, role: str, scope: Station | None, team: Team | None = None) -> User:
    user = User(username=username, display_name=name, role=role, scope_station=scope, team_id=team.id if team else None)
    # Every demo account shares one password: hash it once (a strong hash takes a noticeable moment).
    if "hash" not in _demo_hash:
        user.set_password(DEMO_PASSWORD)
        _demo_hash["hash"] = user.password_hash
    user.password_hash = _demo_hash["hash"]
    db.session.add(user)
    db.session.flush()
    return user


def load_demo(
    *, volunteers: int = 600, orders: int = 120, seed: int = 7, reset: bool = False, history_days: int = 120
) -> dict[str, int | str]:
    """Build the demo county; refuses to load twice unless reset is given."""
    if not 30 <= volunteers <= 10_000:
        raise ValueError("volunteers must be between 30 and 10,000")
    if reset:
        _wipe()
    if db.session.scalar(db.select(Station.id).where(Station.code == COUNTY[0])) is not None:
        raise ValueError("the demo county is already loaded (use --reset to rebuild it)")
    rng = random.Random(seed)
    _demo_hash.clear()
    seed_reference_data()
    skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
    specialties = {s.code: s for s in db.session.scalars(db.select(Specialty))}
    menu = list(db.session.scalars(db.select(MenuItem).order_by(MenuItem.code)))

    county = Station(code=COUNTY[0], name=COUNTY[1], level="county", lat=COUNTY[2], lon=COUNTY[3])
    db.session.add(county)
    townships: dict[str, Station] = {}
    for code, name, lat, lon in TOWNSHIPS:
        townships[code] = Station(
            code=f"PY-{code}", name=f"{name}新时代文明实践所", level="township", lat=lat, lon=lon, parent=county
        )
    villages: list[Station] = []
    counters: dict[str, int] = {}
    for town_code, name in VILLAGES:
        counters[town_code] = counters.get(town_code, 0) + 1
        town = townships[town_code]
        villages.append(
            Station(
                code=f"PY-{town_code}-{counters[town_code]:02d}",
                name=f"{town.name[:3]}{name}新时代文明实践站",
                level="village",
                lat=round(town.lat + rng.uniform(-0.06, 0.06), 5),
                lon=round(town.lon + rng.uniform(-0.06, 0.06), 5),
                parent=town,
            )
        )
    db.session.add_all([*townships.values(), *villages])
    db.session.flush()
    # The demo county's menu is its own (a second county would add or adopt its own).
    for item in menu:
        if item.station_id is None:
            item.station_id = county.id

    # Teams: the county's 8 specialty teams; three per township; one civility team per village station.
    def team(code: str, name: str, station: Station, specialty: str) -> Team:
        return Team(code=code, name=name, level=station.level, station=station, specialty=specialties[specialty])

    teams = [team(f"T-PY-{code}", f"彭阳县{TEAM_SUFFIX[code]}", county, code) for code in TEAM_SUFFIX]
    township_specialties = ["lecture", "civility"]
    extra = ["tutoring", "health-env", "legal", "clinic", "farming", "arts"]
    for index, town in enumerate(townships.values()):
        for code in (*township_specialties, extra[index % len(extra)]):
            teams.append(team(f"T-{town.code}-{code}", f"{town.name[:3]}{TEAM_SUFFIX[code]}", town, code))
    teams += [team(f"T-{village.code}", f"{village.name[3:6]}志愿服务队", village, "civility") for village in villages]
    db.session.add_all(teams)
    db.session.flush()

    # Volunteers: about 30% county, 45% township, 25% village; skills from the team's specialty plus others.
    shares = {"county": 0.30, "township": 0.45, "village": 0.25}
    by_level: dict[str, list[Team]] = {}
    for team in teams:
        by_level.setdefault(team.level, []).append(team)
    all_skills = sorted(skills)
    volunteer_rows: list[Volunteer] = []
    number = 0
    for level, share in shares.items():
        count = round(volunteers * share)
        level_teams = by_level[level]
        for i in range(count):
            team = level_teams[i % len(level_teams)]
            number += 1
            own = SPECIALTY_SKILLS[team.specialty.code] if team.specialty else []
            chosen = set(rng.sample(own, k=min(len(own), rng.choice((1, 2)))))
            if team.level == "village":
                chosen |= set(
                    rng.sample(
                        [
                            "household-visit",
                            "elder-care",
                            "policy-lecture",
                            "cleanup",
                            "waste-sorting",
                            "digital-skills",
                            "fire-safety",
                        ],
                        k=2,
                    )
                )
            chosen |= set(rng.sample(all_skills, k=rng.choice((0, 0, 1, 2))))
            home = team.station if level != "county" or rng.random() < 0.6 else rng.choice(villages)
            slots: list[dict] = []
            for pattern_index in rng.sample(range(len(PATTERNS)), k=rng.choice((1, 2, 2, 3))):
                days, start_hour, end_hour = PATTERNS[pattern_index]
                slots.extend(
                    {"weekday": day, "start_minute": start_hour * 60, "end_minute": end_hour * 60} for day in days
                )
            # Ids rather than relationships: assigning team= would load each team's member list (slow at 10k).
            volunteer = Volunteer(
                code=f"V{number:05d}",
                name=_name(rng),
                phone=f"139{rng.randrange(10**8):08d}",
                team_id=team.id,
                station_id=home.id,
                skills=[skills[c] for c in sorted(chosen)],
                max_orders_per_week=rng.choice((2, 3, 3, 4, 5)),
                max_km=rng.choice((None, None, None, 25.0, 40.0, 60.0)),
                availability=merged_slots(slots),
            )
            volunteer_rows.append(volunteer)
    db.session.add_all(volunteer_rows)
    db.session.flush()
    for team in teams:  # members were set through ids; read them afresh when next asked
        db.session.expire(team, ["members"])

    accounts = _accounts(county, townships["BY"], villages[0], teams, volunteer_rows)
    residents = _residents(rng, villages)
    history = _history(rng, menu, villages, residents, teams, days=history_days)
    open_count = _open_orders(rng, menu, villages, residents, accounts["station"], orders)
    db.session.flush()
    from app.incentives.demo import load_incentives

    incentives = load_incentives(rng=random.Random(seed + 12), county=county, staff=accounts["admin"])
    from app.deliberation.demo import load_deliberation

    deliberation = load_deliberation(rng=random.Random(seed + 13), villages=villages, staff=accounts["admin"])
    from app.visits.demo import load_visits

    visits = load_visits(rng=random.Random(seed + 15), village=villages[0], staff=accounts["admin"])
    from app.activities.demo import load_activities

    activities = load_activities(
        rng=random.Random(seed + 14),
        county=county,
        villages=villages,
        staff=accounts["admin"],
        member=accounts["volunteer"],
    )
    return {
        "stations": 1 + len(townships) + len(villages),
        "teams": len(teams),
        "volunteers": len(volunteer_rows),
        "menu items": len(menu),
        "open orders": open_count,
        "past orders": history,
        **incentives,
        **deliberation,
        **visits,
        **activities,
        "demo accounts": ", ".join(sorted(accounts)) + f" (password {DEMO_PASSWORD})",
    }


def _accounts(
    county: Station, town: Station, village: Station, teams: list[Team], volunteers: list[Volunteer]
) -> dict[str, User]:
    """One demo account per role; the lead and volunteer belong to the first village station's team."""
    village_team = next(t for t in teams if t.station_id == village.id)
    accounts = {
        "admin": _user("admin", "系统管理员", "admin", None),
        "county": _user("county", "县中心工作人员", "county_staff", county),
        "town": _user("town", "白阳镇实践所工作人员", "station_staff", town),
        "station": _user("station", "阳洼村实践站工作人员", "station_staff", village),
        "resident": _user("resident", "马秀英", "resident", village),
    }
    accounts["lead"] = _user("lead", "阳洼村志愿服务队队长", "team_lead", village, village_team)
    village_team.lead_user_id = accounts["lead"].id
    member = next(v for v in volunteers if v.team_id == village_team.id)
    accounts["volunteer"] = _user("volunteer", member.name, "volunteer", village, village_team)
    member.user_id = accounts["volunteer"].id
    county_clinic = next(t for t in teams if t.code == "T-PY-clinic")
    accounts["lead_clinic"] = _user("lead_clinic", "县义诊服务队队长", "team_lead", county, county_clinic)
    county_clinic.lead_user_id = accounts["lead_clinic"].id
    db.session.add(Resident(name=accounts["resident"].display_name, station=village, user_id=accounts["resident"].id))
    db.session.flush()
    return accounts


def _residents(rng: random.Random, villages: list[Station]) -> list[Resident]:
    rows = [
        Resident(
            name=_name(rng),
            phone=f"138{rng.randrange(10**8):08d}",
            station=rng.choice(villages),
            note=rng.choice(("", "", "独居老人", "留守老人", "行动不便")),
        )
        for _ in range(150)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _local(day: datetime, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def _history(
    rng: random.Random,
    menu: list[MenuItem],
    villages: list[Station],
    residents: list[Resident],
    teams: list[Team],
    *,
    days: int,
) -> int:
    """Past orders (served, rated, cancelled, expired) so the coverage dashboard has something to show.

    Some stations never order some priorities: the gap list should not be empty.
    """
    from app.dispatch.models import Proposal, ProposalMember

    now = utcnow()
    count = 0
    # Past jobs already given to each volunteer: a crew is drawn only from members free then (no double booking).
    booked: dict[int, list[tuple[datetime, datetime]]] = {}

    def free(volunteer: Volunteer, start: datetime, end: datetime) -> bool:
        return all(end <= s or e <= start for s, e in booked.get(volunteer.id, []))

    for village in villages:
        liked = rng.sample(menu, k=rng.randint(4, 9))
        members = [v for t in teams if t.station_id in (village.id, village.parent_id) for v in t.members]
        for _ in range(rng.randint(3, 12)):
            item = rng.choice(liked)
            created = now - timedelta(days=rng.uniform(2, days), hours=rng.uniform(0, 10))
            fate = rng.choices(("rated", "completed", "cancelled", "expired"), weights=(6, 2, 1, 1))[0]
            resident = rng.choice([r for r in residents if r.station_id == village.id] or residents)
            start = _local(created + timedelta(days=rng.randint(1, 4)), rng.choice((9, 10, 14, 15)))
            order = Order(
                code=f"DH{count + 1:06d}",
                menu_item=item,
                station=village,
                resident=resident,
                status=fate,
                priority=item.default_priority,
                duration_minutes=item.duration_minutes,
                tier="village",
                created_at=created,
                updated_at=created,
            )
            order.windows = [OrderWindow(start_at=start, end_at=start + timedelta(hours=4))]
            order.needs = [OrderNeed(skill_id=n.skill_id, count=n.count) for n in item.needs]
            order.events = [OrderEvent(kind="submitted", to_status="submitted", at=created, data={})]
            end = start + timedelta(minutes=item.duration_minutes)
            team_members = (
                [m for m in members if m.team_id == members[0].team_id and free(m, start, end)] if members else []
            )
            if fate in ("rated", "completed") and not team_members:
                fate = order.status = "expired"
            if fate in ("rated", "completed"):
                accepted = created + timedelta(minutes=rng.randint(20, 60 * 30))
                crew = rng.sample(team_members, k=min(len(team_members), sum(n.count for n in item.needs)))
                for volunteer in crew:
                    booked.setdefault(volunteer.id, []).append((start, end))
                order.accepted_at = accepted
                order.started_at = start
                order.completed_at = start + timedelta(minutes=item.duration_minutes)
                proposal = Proposal(
                    order=order,
                    team_id=crew[0].team_id,
                    start_at=start,
                    end_at=order.completed_at,
                    deadline_at=accepted,
                    status="accepted",
                    responded_at=accepted,
                    created_at=created,
                    explanation={},
                )
                need_skill = item.needs[0].skill_id
                proposal.crew = [ProposalMember(volunteer=v, skill_id=need_skill) for v in crew]
                db.session.add(proposal)
                order.service_records = [
                    ServiceRecord(
                        volunteer=v,
                        check_in_at=start,
                        check_out_at=order.completed_at,
                        presence="lead",
                        measured_minutes=item.duration_minutes,
                        minutes=item.duration_minutes,
                        confirmed_at=order.completed_at,
                    )
                    for v in crew
                ]
                order.events += [
                    OrderEvent(
                        kind="dispatched",
                        from_status="submitted",
                        to_status="dispatched",
                        at=created + timedelta(minutes=10),
                        data={},
                    ),
                    OrderEvent(kind="accepted", from_status="dispatched", to_status="accepted", at=accepted, data={}),
                    OrderEvent(kind="in_service", from_status="accepted", to_status="in_service", at=start, data={}),
                    OrderEvent(
                        kind="completed",
                        from_status="in_service",
                        to_status="completed",
                        at=order.completed_at,
                        data={},
                    ),
                ]
                if fate == "rated":
                    stars = rng.choices((3, 4, 5), weights=(1, 3, 6))[0]
                    order.rating = Rating(
                        stars=stars,
                        tags=rng.sample(RATING_TAGS, k=rng.randint(1, 3)),
                        comment=rng.choice(("", "服务很贴心", "讲得通俗易懂", "希望常来")),
                        created_at=order.completed_at + timedelta(hours=2),
                    )
                    order.events.append(
                        OrderEvent(
                            kind="rated",
                            from_status="completed",
                            to_status="rated",
                            at=order.completed_at + timedelta(hours=2),
                            data={},
                        )
                    )
            else:
                order.closed_at = created + timedelta(days=3)
                order.events.append(
                    OrderEvent(kind=fate, from_status="submitted", to_status=fate, at=order.closed_at, data={})
                )
            db.session.add(order)
            count += 1
    return count


def _open_orders(
    rng: random.Random,
    menu: list[MenuItem],
    villages: list[Station],
    residents: list[Resident],
    staff: User,
    count: int,
) -> int:
    """Open orders over the coming ten days, placed through the real order service."""
    from app.orders.service import place_order

    today = datetime.now(LOCAL_TZ).date()
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    placed = 0
    for _ in range(count):
        village = rng.choice(villages)
        item = rng.choice(menu)
        day = today + timedelta(days=rng.randint(1, 10))
        windows = []
        for offset in sorted(rng.sample(range(0, 3), k=rng.choice((1, 2)))):
            start = _local(datetime(day.year, day.month, day.day) + timedelta(days=offset), rng.choice((8, 9, 14)))
            windows.append({"start": start, "end": start + timedelta(hours=rng.choice((4, 6, 8)))})
        resident = rng.choice([r for r in residents if r.station_id == village.id] or residents)
        place_order(
            user=admin,
            menu_item_id=item.id,
            station_id=village.id,
            windows=windows,
            resident_id=resident.id,
            notes=rng.choice(("", "老人行动不便，请上门", "请带宣传资料")),
        )
        placed += 1
    return placed
