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


def _county_centres(n: int, rng: random.Random) -> list[tuple[float, float]]:
    # A rough grid of county seats around Guyuan, ~60 km apart, jittered.
    cols = max(1, math.ceil(math.sqrt(n)))
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        out.append(
            (
                35.9 + (r - cols / 2) * 0.55 + rng.uniform(-0.08, 0.08),
                106.6 + (c - cols / 2) * 0.68 + rng.uniform(-0.08, 0.08),
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
    for d in days:
        kind = rng.random()
        base = d * DAY
        j = rng.choice((-60, -30, 0, 30, 60))
        if kind < 0.35:
            out.append((base + 480 + j, base + 720 + j))
        elif kind < 0.65:
            out.append((base + 840 + j, base + 1080 + j))
        elif kind < 0.85:
            out.append((base + 480 + j, base + 1080 + j))
        else:
            out.append((base + 480 + j, base + 720 + j))
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
            t = rng.choice(towns)
            lat, lon = _offset(t.lat, t.lon, rng.uniform(2, 8), rng)
            sts.append(Station(f"st-{ci:02d}-{k + 13:02d}", lat, lon, "village"))
        stations += sts
        county_stations.append(sts)
        cteams = []
        for k in range(4):
            cteams.append(Team(f"tm-{ci:02d}-c{k}", sts[0].id, "county"))
        for k, t in enumerate(towns):
            for j in range(rng.choice((1, 1, 2))):
                cteams.append(Team(f"tm-{ci:02d}-t{k:02d}{j}", t.id, "township"))
        for st in sts[13:]:
            if rng.random() < 0.6:
                cteams.append(Team(f"tm-{ci:02d}-v{st.id[-2:]}", st.id, "village"))
        teams += cteams
        weight = {"county": 3.0, "township": 2.0, "village": 1.0}
        total_w = sum(weight[t.level] for t in cteams)
        by_id = {s.id: s for s in sts}
        n = 0
        for t in cteams:
            size = max(3, round(sc.volunteers_per_county * weight[t.level] / total_w))
            spec = rng.sample(SKILLS, rng.randint(2, 4))
            home = by_id[t.station]
            near = [s for s in sts if haversine_km(s, home) < 12]
            for _ in range(size):
                k = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
                skills = set(rng.sample(spec, min(k, len(spec))))
                if rng.random() < 0.5:
                    skills.add(rng.choice(SKILLS))
                st = home if rng.random() < 0.75 else rng.choice(near)
                max_km = float(rng.choice((15, 20, 30, 40, 50))) if rng.random() < 0.3 else None
                vols.append(
                    Volunteer(
                        f"v-{ci:02d}-{n:05d}",
                        t.id,
                        st.id,
                        tuple(sorted(skills)),
                        _availability(rng),
                        rng.randint(2, 5),
                        max_km,
                    )
                )
                n += 1
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

    def km(a: str, b: str) -> float:
        return inst.road_factor * haversine_km(st_by[a], st_by[b])

    for i in range(n_orders):
        ci = i % sc.counties
        sts = county_stations[ci]
        u = rng.random()
        st = sts[0] if u < 0.1 else rng.choice(sts[1:13]) if u < 0.4 else rng.choice(sts[13:])
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
            needs = tuple(Need(sk, n) for sk, n in sorted(needs_d.items()))
            day0 = start - start % DAY
            w0 = max(day0 + 420, start - rng.choice((0, 30, 60, 120, 180)))
            w1 = min(day0 + 1320, start + duration + rng.choice((0, 30, 60, 120, 240, 360)))
            windows = [(min(w0, start), max(w1, start + duration))]
            others = [d for d in range(7) if d * DAY != day0]
            for d in sorted(rng.sample(others, rng.choice((0, 0, 1, 2)))):
                a = d * DAY + rng.choice((480, 540, 600, 840))
                windows.append((a, a + duration + rng.choice((60, 120, 240))))
            windows.sort()
            merged: list[tuple[int, int]] = []
            for a, b in windows:
                if merged and a <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            excl = tuple(sorted({t.id for t in rng.sample(county_teams[ci], 1)} - {team})) if rng.random() < 0.1 else ()
            oid = f"o-{i:06d}"
            orders.append(Order(oid, st.id, needs, duration, tuple(merged), priority, excl))
            if rng.random() < sc.fixed / max(sc.planted, 1e-9):
                fixed.append(FixedAssignment(oid, team, start, tuple(sorted(v for v, _ in crew))))
        else:
            k = rng.choice((1, 1, 1, 2, 2, 3))
            needs = tuple(Need(sk, rng.choice((1, 1, 1, 2, 2, 3))) for sk in sorted(rng.sample(SKILLS, k)))
            windows = []
            for d in sorted(rng.sample(range(7), rng.choice((1, 1, 2, 3)))):
                a = d * DAY + rng.choice((480, 540, 600, 840, 900))
                windows.append((a, a + duration + rng.choice((0, 60, 120, 240))))
            excl = tuple(sorted(t.id for t in rng.sample(county_teams[ci], 1))) if rng.random() < 0.1 else ()
            orders.append(Order(f"o-{i:06d}", st.id, needs, duration, tuple(windows), priority, excl))
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
        blocks = [b for b in lead.available if b[1] - b[0] >= duration + 2 * t_lead]
        if not blocks:
            continue
        a, b = rng.choice(blocks)
        lo, hi = a + t_lead, b - t_lead - duration
        start = lo + (rng.randint(0, (hi - lo) // 30) * 30 if hi > lo else 0)
        size = rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5))
        crew = []
        for v in sorted(vs, key=lambda v: (v.id != lead.id, rng.random())):
            if len(crew) >= size:
                break
            t = travel_minutes(km(v.station, station), inst.speed_kmh)
            iv = (start - t, start + duration + t)
            if not any(x <= iv[0] and iv[1] <= y for x, y in v.available):
                continue
            if any(s < iv[1] and iv[0] < e for s, e in busy.get(v.id, [])):
                continue
            crew.append((v, iv))
        if not crew:
            continue
        # Each crew member fills one of its skills, with at most three distinct skills per order.
        chosen: list[tuple[str, str]] = []
        skills_used: list[str] = []
        for v, _ in crew:
            opts = [s for s in v.skills if s in skills_used] if len(skills_used) >= 3 else list(v.skills)
            if not opts:
                continue
            sk = rng.choice(opts)
            if sk not in skills_used:
                skills_used.append(sk)
            chosen.append((v.id, sk))
        ivs = {v.id: iv for v, iv in crew}
        for vid, _ in chosen:
            busy.setdefault(vid, []).append(ivs[vid])
            load[vid] = load.get(vid, 0) + 1
        return team.id, start, chosen
    return None
