"""Seeded, Ningxia-like instances: counties of one centre, ~12 townships and village stations, over a week.

Most orders are planted: a real crew of one team is free for them at some start, so the instance has a known good
solution; the rest are drawn freely and compete for the same people. The `-easy` scales plant every order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from matching.domain import FixedAssignment, Instance, Need, Order, Station, Team, Volunteer
from matching.travel import haversine_km, travel_minutes, within_max_km

SKILLS = (
    "policy-lecture",
    "first-aid",
    "medical",
    "legal-aid",
    "elderly-care",
    "child-tutoring",
    "repair",
    "culture-performance",
    "environment",
    "psych-counsel",
    "agri-tech",
    "fire-safety",
)
WEEK = 10080
DAY = 1440


@dataclass(frozen=True)
class Scale:
    """How big an instance is and how hard it is to serve everything."""

    counties: int
    volunteers_per_county: int
    orders_per_county: int
    planted: float  # share of orders with a planted crew
    fixed: float  # share of orders already accepted


SCALES: dict[str, Scale] = {
    "tiny": Scale(1, 40, 12, 0.8, 0.1),
    "small": Scale(1, 300, 90, 0.8, 0.03),
    "county": Scale(1, 2000, 600, 0.8, 0.03),
    "county-easy": Scale(1, 2000, 600, 1.0, 0.03),
    "eight-counties": Scale(8, 800, 600, 1.0, 0.03),
    "province": Scale(22, 2000, 500, 0.8, 0.03),
}


def _county_centres(count: int, rng: random.Random) -> list[tuple[float, float]]:
    # A rough grid of county seats around Guyuan, ~60 km apart, jittered.
    cols = max(1, math.ceil(math.sqrt(count)))
    out = []
    for index in range(count):
        row, col = divmod(index, cols)
        out.append(
            (
                35.9 + (row - cols / 2) * 0.55 + rng.uniform(-0.08, 0.08),
                106.6 + (col - cols / 2) * 0.68 + rng.uniform(-0.08, 0.08),
            )
        )
    return out


def _offset(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    ang = rng.uniform(0, 2 * math.pi)
    return (
        round(lat + km * math.cos(ang) / 111.0, 5),
        round(lon + km * math.sin(ang) / (111.0 * math.cos(math.radians(lat))), 5),
    )


def _availability(rng: random.Random) -> tuple[tuple[int, int], ...]:
    days = sorted(rng.sample(range(7), rng.randint(2, 5)))
    out = []
    for day in days:
        kind = rng.random()
        base = day * DAY
        jitter = rng.choice((-60, -30, 0, 30, 60))
        if kind < 0.35:
            out.append((base + 480 + jitter, base + 720 + jitter))
        elif kind < 0.65:
            out.append((base + 840 + jitter, base + 1080 + jitter))
        elif kind < 0.85:
            out.append((base + 480 + jitter, base + 1080 + jitter))
        else:
            out.append((base + 480 + jitter, base + 720 + jitter))
            out.append((base + 840, base + 1140))
    return tuple(out)


def generate(scale: str | Scale, seed: int = 1) -> Instance:
    """A reproducible instance of the given scale."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    rng = random.Random(f"diandan-{seed}-{sc}")
    stations: list[Station] = []
    teams: list[Team] = []
    vols: list[Volunteer] = []
    county_stations: list[list[Station]] = []
    for ci, (clat, clon) in enumerate(_county_centres(sc.counties, rng)):
        sts = [Station(f"st-{ci:02d}-00", round(clat, 5), round(clon, 5), "county")]
        towns = []
        for k in range(12):
            lat, lon = _offset(clat, clon, rng.uniform(6, 20), rng)
            towns.append(Station(f"st-{ci:02d}-{k + 1:02d}", lat, lon, "township"))
        sts += towns
        for k in range(rng.randint(18, 26)):
            town = rng.choice(towns)
            lat, lon = _offset(town.lat, town.lon, rng.uniform(2, 8), rng)
            sts.append(Station(f"st-{ci:02d}-{k + 13:02d}", lat, lon, "village"))
        stations += sts
        county_stations.append(sts)
        cteams = []
        for k in range(4):
            cteams.append(Team(f"tm-{ci:02d}-c{k}", sts[0].id, "county"))
        for k, town in enumerate(towns):
            for j in range(rng.choice((1, 1, 2))):
                cteams.append(Team(f"tm-{ci:02d}-t{k:02d}{j}", town.id, "township"))
        for st in sts[13:]:
            if rng.random() < 0.6:
                cteams.append(Team(f"tm-{ci:02d}-v{st.id[-2:]}", st.id, "village"))
        teams += cteams
        weight = {"county": 3.0, "township": 2.0, "village": 1.0}
        total_w = sum(weight[team.level] for team in cteams)
        by_id = {s.id: s for s in sts}
        serial = 0
        for team in cteams:
            size = max(3, round(sc.volunteers_per_county * weight[team.level] / total_w))
            spec = rng.sample(SKILLS, rng.randint(2, 4))
            home = by_id[team.station]
            near = [s for s in sts if haversine_km(s, home) < 12]
            for _ in range(size):
                n_skills = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
                skills = set(rng.sample(spec, min(n_skills, len(spec))))
                if rng.random() < 0.5:
                    skills.add(rng.choice(SKILLS))
                st = home if rng.random() < 0.75 else rng.choice(near)
                max_km = float(rng.choice((15, 20, 30, 40, 50))) if rng.random() < 0.3 else None
                vols.append(
                    Volunteer(
                        f"v-{ci:02d}-{serial:05d}",
                        team.id,
                        st.id,
                        tuple(sorted(skills)),
                        _availability(rng),
                        rng.randint(2, 5),
                        max_km,
                    )
                )
                serial += 1
    inst = Instance(tuple(stations), tuple(teams), tuple(vols), (), ())
    return _orders(inst, sc, county_stations, rng)


def _orders(inst: Instance, sc: Scale, county_stations: list[list[Station]], rng: random.Random) -> Instance:
    st_by = inst.station_by_id
    members: dict[str, list[Volunteer]] = {}
    for v in inst.volunteers:
        members.setdefault(v.team, []).append(v)
    busy: dict[str, list[tuple[int, int]]] = {}
    load: dict[str, int] = {}
    orders: list[Order] = []
    fixed: list[FixedAssignment] = []
    n_orders = sc.orders_per_county * sc.counties
    county_teams = [[t for t in inst.teams if t.id.startswith(f"tm-{ci:02d}-")] for ci in range(sc.counties)]

    def km(origin: str, destination: str) -> float:
        return inst.road_factor * haversine_km(st_by[origin], st_by[destination])

    for index in range(n_orders):
        ci = index % sc.counties
        sts = county_stations[ci]
        draw = rng.random()
        st = sts[0] if draw < 0.1 else rng.choice(sts[1:13]) if draw < 0.4 else rng.choice(sts[13:])
        duration = rng.choice((60, 90, 120, 120, 150, 180, 240))
        priority = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        planted = None
        if rng.random() < sc.planted:
            planted = _plant(inst, st.id, duration, county_teams[ci], members, busy, load, km, rng)
            # Where every order must be servable, look for another station and length rather than give up.
            for _ in range(20 if sc.planted >= 1.0 else 0):
                if planted is not None:
                    break
                st = rng.choice(sts)
                duration = rng.choice((60, 90, 120))
                planted = _plant(inst, st.id, duration, county_teams[ci], members, busy, load, km, rng)
            if planted is None and sc.planted >= 1.0:
                continue
        if planted is not None:
            team, start, crew = planted
            needs_d: dict[str, int] = {}
            for _, sk in crew:
                needs_d[sk] = needs_d.get(sk, 0) + 1
            needs = tuple(Need(sk, count) for sk, count in sorted(needs_d.items()))
            day0 = start - start % DAY
            w0 = max(day0 + 420, start - rng.choice((0, 30, 60, 120, 180)))
            w1 = min(day0 + 1320, start + duration + rng.choice((0, 30, 60, 120, 240, 360)))
            windows = [(min(w0, start), max(w1, start + duration))]
            others = [day for day in range(7) if day * DAY != day0]
            for day in sorted(rng.sample(others, rng.choice((0, 0, 1, 2)))):
                opens = day * DAY + rng.choice((480, 540, 600, 840))
                windows.append((opens, opens + duration + rng.choice((60, 120, 240))))
            windows.sort()
            merged: list[tuple[int, int]] = []
            for opens, closes in windows:
                if merged and opens <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
                else:
                    merged.append((opens, closes))
            excl = tuple(sorted({t.id for t in rng.sample(county_teams[ci], 1)} - {team})) if rng.random() < 0.1 else ()
            oid = f"o-{index:06d}"
            orders.append(Order(oid, st.id, needs, duration, tuple(merged), priority, excl))
            if rng.random() < sc.fixed / max(sc.planted, 1e-9):
                fixed.append(FixedAssignment(oid, team, start, tuple(sorted(v for v, _ in crew))))
        else:
            n_needs = rng.choice((1, 1, 1, 2, 2, 3))
            needs = tuple(Need(sk, rng.choice((1, 1, 1, 2, 2, 3))) for sk in sorted(rng.sample(SKILLS, n_needs)))
            windows = []
            for day in sorted(rng.sample(range(7), rng.choice((1, 1, 2, 3)))):
                opens = day * DAY + rng.choice((480, 540, 600, 840, 900))
                windows.append((opens, opens + duration + rng.choice((0, 60, 120, 240))))
            excl = tuple(sorted(t.id for t in rng.sample(county_teams[ci], 1))) if rng.random() < 0.1 else ()
            orders.append(Order(f"o-{index:06d}", st.id, needs, duration, tuple(windows), priority, excl))
    return Instance(inst.stations, inst.teams, inst.volunteers, tuple(orders), tuple(fixed))


def _plant(
    inst: Instance,
    station: str,
    duration: int,
    teams: list[Team],
    members: dict[str, list[Volunteer]],
    busy: dict[str, list[tuple[int, int]]],
    load: dict[str, int],
    km,
    rng: random.Random,
):
    """A team, start and crew that are free to serve an order at station, committing their time; or None."""
    st_by = inst.station_by_id
    near = sorted(teams, key=lambda t: (haversine_km(st_by[t.station], st_by[station]), t.id))
    # Mostly a nearby team, sometimes a farther one: real dispatch is not always local.
    pool = near[:6] if rng.random() < 0.8 else near
    for _ in range(6):
        team = rng.choice(pool)
        vs = [
            v
            for v in members.get(team.id, [])
            if load.get(v.id, 0) < v.max_orders and within_max_km(km(v.station, station), v.max_km)
        ]
        if not vs:
            continue
        lead = rng.choice(vs)
        t_lead = travel_minutes(km(lead.station, station), inst.speed_kmh)
        blocks = [block for block in lead.available if block[1] - block[0] >= duration + 2 * t_lead]
        if not blocks:
            continue
        opens, closes = rng.choice(blocks)
        lo, hi = opens + t_lead, closes - t_lead - duration
        start = lo + (rng.randint(0, (hi - lo) // 30) * 30 if hi > lo else 0)
        size = rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5))
        crew = []
        for member in sorted(vs, key=lambda member: (member.id != lead.id, rng.random())):
            if len(crew) >= size:
                break
            trip = travel_minutes(km(member.station, station), inst.speed_kmh)
            iv = (start - trip, start + duration + trip)
            if not any(x <= iv[0] and iv[1] <= y for x, y in member.available):
                continue
            if any(s < iv[1] and iv[0] < e for s, e in busy.get(member.id, [])):
                continue
            crew.append((member, iv))
        if not crew:
            continue
        # Each crew member fills one of its skills, with at most three distinct skills per order.
        chosen: list[tuple[str, str]] = []
        skills_used: list[str] = []
        for member, _ in crew:
            opts = [s for s in member.skills if s in skills_used] if len(skills_used) >= 3 else list(member.skills)
            if not opts:
                continue
            sk = rng.choice(opts)
            if sk not in skills_used:
                skills_used.append(sk)
            chosen.append((member.id, sk))
        ivs = {v.id: iv for v, iv in crew}
        for vid, _ in chosen:
            busy.setdefault(vid, []).append(ivs[vid])
            load[vid] = load.get(vid, 0) + 1
        return team.id, start, chosen
    return None


# Benchmark families ----------------------------------------------------------------------------------------------
#
# A second generator, written apart from the one above and not tuned with the engine: minute times, crews of mixed
# skills, county/township/village teams, and a hidden witness plan. A planted order is made from a real crew of one
# team that is free for it (travel both ways, max_km, max_orders and every earlier planted order respected), so the
# witness serves every planted order; where every order is planted, the optimum is known (all priority served).

COMMON = SKILLS[:-1]
RARE = SKILLS[-1]  # in the adversarial family only a few multi-skilled volunteers hold it


@dataclass(frozen=True)
class Family:
    """A kind of instance: its size per county and what makes it hard."""

    doc: str
    counties: int = 1
    volunteers: int = 1200  # per county
    orders: int = 600  # per county
    planted: float = 1.0  # share of orders with a witness crew; 1.0: every order servable, optimum known
    fixed: float = 0.03  # share of planted orders already accepted
    days: int = 7
    hug: int = 30  # at most this many minutes of window either side of the witness's service
    crew: tuple[int, int] = (1, 5)
    distinct_skills: tuple[int, int] = (2, 3)  # skills per crew of two or more
    max_orders: tuple[int, int] = (1, 3)
    max_km: float | None = 25.0  # typical max_km, held by 60% of volunteers
    far: float = 0.25  # share of witness crews from a team 20+ km away: travel eats most of a half-day
    blocks: tuple[int, int] = (3, 6)  # availability blocks per week
    exclusions: float = 0.1  # share of orders with excluded teams
    excluded: tuple[int, int] = (1, 2)
    adversarial: bool = False  # scarce multi-skilled volunteers that many higher-priority orders want


FAMILIES: dict[str, Family] = {
    "planted": Family("one county, every order servable by a hidden witness: hugging windows, crews of 1-5"),
    "planted-8": Family("eight counties, every order servable", counties=8, volunteers=800),
    "oversubscribed": Family(
        "one county, more demand than crews: 40% of orders drawn freely",
        volunteers=900,
        orders=700,
        planted=0.6,
        hug=120,
    ),
    "fixed-heavy": Family("one county, 30% of orders already accepted", fixed=0.3),
    "sparse": Family("one county, volunteers free on one or two half-days a week", volunteers=2400, blocks=(1, 2)),
    "exclusions": Family("one county, 60% of orders exclude one to four teams", exclusions=0.6, excluded=(1, 4)),
    "two-week": Family("one county over a two-week horizon", days=14, orders=1000, volunteers=1500),
    "adversarial": Family(
        "one county where the greedy order is wrong: scarce multi-skilled volunteers", adversarial=True
    ),
    "province": Family(
        "22 counties, 44,000 volunteers, 11,000 orders, 80% planted",
        counties=22,
        volunteers=2000,
        orders=500,
        planted=0.8,
        hug=90,
    ),
}


@dataclass(frozen=True)
class Generated:
    """A family instance, its known optimum (served priority) when every order is planted, and the witness."""

    instance: Instance
    optimum: int | None
    witness: tuple[FixedAssignment, ...]


def _blocks(rng: random.Random, family: Family) -> tuple[tuple[int, int], ...]:
    days = family.days
    n_days = min(days, rng.randint(*family.blocks) * days // 7)
    out = []
    for day in sorted(rng.sample(range(days), max(1, n_days))):
        opens, closes = rng.choice(((480, 720), (840, 1080), (480, 1080), (1110, 1260), (540, 1020)))
        jitter = rng.randint(-45, 45)
        out.append((day * DAY + opens + jitter, day * DAY + closes + jitter + rng.randint(-20, 20)))
    return tuple(out)


def generate_family(name: str | Family, *, seed: int = 1, counties: int | None = None, scale: float = 1.0) -> Generated:
    """A reproducible instance of a family; counties and scale (of volunteers and orders) shrink it for tests."""
    family = FAMILIES[name] if isinstance(name, str) else name
    n_counties = counties or family.counties
    rng = random.Random(f"family-{seed}-{family}-{n_counties}-{scale}")
    stations: list[Station] = []
    teams: list[Team] = []
    vols: list[Volunteer] = []
    by_county: list[tuple[list[Station], list[Team]]] = []
    rare_ids: set[str] = set()
    for ci, (clat, clon) in enumerate(_county_centres(n_counties, rng)):
        seat = Station(f"s{ci:02d}-seat", round(clat, 5), round(clon, 5), "county")
        towns = [
            Station(f"s{ci:02d}-t{k:02d}", *_offset(clat, clon, rng.uniform(5, 25), rng), "township")
            for k in range(rng.randint(8, 14))
        ]
        villages = []
        for k in range(rng.randint(15, 30)):
            town = rng.choice(towns)
            villages.append(
                Station(f"s{ci:02d}-v{k:02d}", *_offset(town.lat, town.lon, rng.uniform(2, 10), rng), "village")
            )
        sts = [seat, *towns, *villages]
        stations += sts
        cteams = [Team(f"T{ci:02d}-c{k}", seat.id, "county") for k in range(rng.randint(2, 6))]
        for k, town in enumerate(towns):
            cteams += [Team(f"T{ci:02d}-t{k:02d}{j}", town.id, "township") for j in range(rng.randint(1, 3))]
        cteams += [Team(f"T{ci:02d}-{v.id[-3:]}", v.id, "village") for v in villages if rng.random() < 0.5]
        teams += cteams
        by_county.append((sts, cteams))
        weight = {"county": 3.0, "township": 1.5, "village": 1.0}
        total_w = sum(weight[t.level] for t in cteams)
        st_by = {s.id: s for s in sts}
        serial = 0
        for team in cteams:
            home = st_by[team.station]
            near = [s for s in sts if haversine_km(s, home) < 15]
            spec = rng.sample(COMMON, rng.randint(2, 4))
            for _ in range(max(2, round(family.volunteers * scale * weight[team.level] / total_w))):
                skills = set(rng.sample(spec, min(len(spec), rng.choice((1, 2, 2, 3, 4)))))
                if rng.random() < 0.4:
                    skills.add(rng.choice(COMMON))
                station = home if rng.random() < 0.7 else rng.choice(near)
                vid = f"V{ci:02d}-{serial:05d}"
                if family.adversarial and rng.random() < 0.04:
                    # A scarce volunteer: holds the rare skill and common ones, lives in a village among the orders.
                    skills.add(RARE)
                    station = rng.choice(villages)
                    rare_ids.add(vid)
                elif not family.adversarial and rng.random() < 0.05:
                    skills.add(RARE)
                max_km = None
                if family.max_km is not None and rng.random() < 0.6:
                    max_km = round(family.max_km * rng.uniform(0.6, 1.6), 1)
                vols.append(
                    Volunteer(
                        vid,
                        team.id,
                        station.id,
                        tuple(sorted(skills)),
                        _blocks(rng, family),
                        rng.randint(*family.max_orders),
                        max_km,
                    )
                )
                serial += 1
    base = Instance(tuple(stations), tuple(teams), tuple(vols), (), (), horizon_minutes=family.days * DAY)
    return _family_orders(base, family, by_county, rare_ids, n_counties, scale, rng)


def _family_orders(
    base: Instance,
    family: Family,
    by_county: list[tuple[list[Station], list[Team]]],
    rare_ids: set[str],
    n_counties: int,
    scale: float,
    rng: random.Random,
) -> Generated:
    st_by = base.station_by_id
    members: dict[str, list[Volunteer]] = {}
    for v in base.volunteers:
        members.setdefault(v.team, []).append(v)
    busy: dict[str, list[tuple[int, int]]] = {}
    load: dict[str, int] = {}
    orders: list[Order] = []
    fixed: list[FixedAssignment] = []
    witness: list[FixedAssignment] = []
    rare_vols = [v for v in base.volunteers if v.id in rare_ids]

    def km(origin: str, destination: str) -> float:
        return base.road_factor * haversine_km(st_by[origin], st_by[destination])

    def plant(station: str, duration: int, cteams: list[Team], lead: Volunteer | None, rare: bool):
        """Team, start and crew (volunteer, skill) free for an order at station, committing their time; or None."""
        by_dist = sorted(cteams, key=lambda t: (km(t.station, station), t.id))
        far = [t for t in by_dist if km(t.station, station) >= 20]
        for _ in range(8):
            if lead is not None:
                team = base.team_by_id[lead.team]
            else:
                team = rng.choice(far) if far and rng.random() < family.far else rng.choice(by_dist[:6])
            pool = [
                v
                for v in members.get(team.id, [])
                if load.get(v.id, 0) < v.max_orders
                and within_max_km(km(v.station, station), v.max_km)
                and (rare or v.id not in rare_ids)
            ]
            first = lead if lead is not None else (rng.choice(pool) if pool else None)
            if first is None or first not in pool:
                if lead is not None:
                    return None
                continue
            trip = travel_minutes(km(first.station, station), base.speed_kmh)
            fits = [
                block
                for block in first.available
                if block[1] - block[0] >= duration + 2 * trip
                and not any(s < block[1] and block[0] < e for s, e in busy.get(first.id, []))
            ]
            if not fits:
                continue
            opens, closes = rng.choice(fits)
            lo, hi = opens + trip, closes - trip - duration
            # Near the middle of the block, where the rest of the team is most likely free too.
            start = rng.randint(lo + (hi - lo) // 4, hi - (hi - lo) // 4)
            size = rng.randint(*family.crew)
            crew = []
            for member in sorted(pool, key=lambda member: (member.id != first.id, rng.random())):
                if len(crew) >= size:
                    break
                tv = travel_minutes(km(member.station, station), base.speed_kmh)
                iv = (start - tv, start + duration + tv)
                if any(x <= iv[0] and iv[1] <= y for x, y in member.available) and not any(
                    s < iv[1] and iv[0] < e for s, e in busy.get(member.id, [])
                ):
                    crew.append((member, iv))
            target = rng.randint(*family.distinct_skills) if len(crew) > 1 else 1
            used: list[str] = []
            chosen = []
            for member, _ in crew:
                own = [s for s in member.skills if s != RARE or (rare and member is first)]
                if rare and member is first:
                    own = [RARE]
                fresh = [s for s in own if s not in used]
                pick = (
                    rng.choice(fresh)
                    if fresh and len(used) < target
                    else rng.choice([s for s in own if s in used] or own)
                )
                if pick not in used:
                    used.append(pick)
                chosen.append((member.id, pick))
            for (v, iv), _ in zip(crew, chosen, strict=True):
                busy.setdefault(v.id, []).append(iv)
                load[v.id] = load.get(v.id, 0) + 1
            return team, start, chosen
        return None

    n_orders = round(family.orders * scale) * n_counties
    for index in range(n_orders):
        sts, cteams = by_county[index % n_counties]
        draw = rng.random()
        station = (
            sts[0]
            if draw < 0.1
            else rng.choice([s for s in sts if s.level == "township"])
            if draw < 0.4
            else rng.choice([s for s in sts if s.level == "village"])
        )
        duration = rng.choice((45, 60, 75, 90, 120, 150, 180, 240))
        priority = rng.randint(1, 5)
        lead = None
        rare = family.adversarial and index % 3 == 0 and bool(rare_vols)
        if rare:
            # A low-priority order only a scarce volunteer can serve, at his own village.
            lead = rng.choice(rare_vols)
            station, priority = st_by[lead.station], rng.randint(1, 2)
        elif family.adversarial and rare_vols:
            # Higher-priority orders where the scarce volunteers live: the nearest crew is the wrong one.
            station, priority = st_by[rng.choice(rare_vols).station], rng.randint(3, 5)
        planted = None
        if rng.random() < family.planted or rare:
            for _attempt in range(30 if family.planted >= 1.0 else 1):
                planted = plant(station.id, duration, cteams, lead, rare)
                if planted is not None or rare:
                    break
                station = rng.choice(sts)
                duration = rng.choice((45, 60, 90, 120))
            if planted is None and (family.planted >= 1.0 or rare):
                continue
        oid = f"Q{index:06d}"
        if planted is not None:
            team, start, crew = planted
            needs: dict[str, int] = {}
            for _, sk in crew:
                needs[sk] = needs.get(sk, 0) + 1
            day0 = start - start % DAY
            w0 = max(day0, start - rng.randint(0, family.hug))
            w1 = min(day0 + DAY, start + duration + rng.randint(0, family.hug))
            windows = [(w0, w1)]
            if family.hug > 60 and rng.random() < 0.3:
                day = rng.randrange(family.days)
                if day * DAY != day0:
                    opens = day * DAY + rng.randint(480, 900)
                    windows.append((opens, opens + duration + rng.randint(30, 240)))
            windows.sort()
            excl: tuple[str, ...] = ()
            if rng.random() < family.exclusions:
                near = sorted(cteams, key=lambda t: (km(t.station, station.id), t.id))[:8]
                excl = tuple(
                    sorted({t.id for t in rng.sample(near, min(len(near), rng.randint(*family.excluded)))} - {team.id})
                )
            orders.append(
                Order(
                    oid,
                    station.id,
                    tuple(Need(sk, n) for sk, n in sorted(needs.items())),
                    duration,
                    tuple(windows),
                    priority,
                    excl,
                )
            )
            assignment = FixedAssignment(oid, team.id, start, tuple(sorted(v for v, _ in crew)))
            witness.append(assignment)
            if rng.random() < family.fixed:
                fixed.append(assignment)
        else:
            skills = rng.sample(COMMON, rng.choice((1, 1, 2, 2, 3)))
            needs_t = tuple(Need(sk, rng.choice((1, 1, 2))) for sk in sorted(skills))
            windows = []
            for day in sorted(rng.sample(range(family.days), rng.choice((1, 1, 2, 3)))):
                opens = day * DAY + rng.randint(480, 960)
                windows.append((opens, opens + duration + rng.randint(0, 300)))
            excl = ()
            if rng.random() < family.exclusions:
                excl = tuple(sorted(t.id for t in rng.sample(cteams, min(len(cteams), rng.randint(*family.excluded)))))
            orders.append(Order(oid, station.id, needs_t, duration, tuple(windows), priority, excl))
    inst = Instance(
        base.stations, base.teams, base.volunteers, tuple(orders), tuple(fixed), horizon_minutes=family.days * DAY
    )
    optimum = inst.total_priority if len(witness) == len(orders) else None
    return Generated(inst, optimum, tuple(witness))
