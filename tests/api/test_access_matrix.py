"""Every API operation, walked as every role, on objects inside and outside the caller's scope (a second county),
against the declared expectation table below: allowed (2xx) or denied (403/404), nothing else.

The table is the access policy in one place, read as a test. A new operation fails the walk until it is listed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from tests.access_world import ROLES, build_two_counties

FIRST_COUNTY = ("admin", "county", "town", "staff", "resident", "lead_v", "volunteer")
EVERYONE = set(FIRST_COUNTY)
STAFF = {"admin", "county", "town", "staff"}
MANAGERS = {"admin", "county"}
TEAM_SIDE = STAFF | {"lead_v", "volunteer"}  # the team, its lead, the member, and staff over them
ORDER_SIDE = EVERYONE  # the live order: the resident's, staff's, the accepted lead's and crew's

# GET operation -> who of the first county may read it on the first county's object. On the second county's
# object only admin may (and the second county's own staff, by symmetry), unless the operation is listed in
# READABLE_EVERYWHERE. Operations without path parameters are walked once.
READS: dict[str, set[str]] = {
    "/api/v1/auth/tokens": EVERYONE,
    "/api/v1/auth/me": EVERYONE,
    "/api/v1/stations": EVERYONE,
    "/api/v1/stations/{station_id}": EVERYONE,
    "/api/v1/practice-priorities": EVERYONE,
    "/api/v1/skills": EVERYONE,
    "/api/v1/specialties": EVERYONE,
    "/api/v1/menu-items": EVERYONE,
    "/api/v1/menu-items/{item_id}": EVERYONE,
    "/api/v1/teams": EVERYONE,
    "/api/v1/teams/{team_id}": TEAM_SIDE,
    "/api/v1/volunteers": EVERYONE,
    "/api/v1/volunteers/{volunteer_id}": TEAM_SIDE,
    "/api/v1/volunteers/{volunteer_id}/availability": TEAM_SIDE,
    "/api/v1/orders": EVERYONE,
    "/api/v1/orders/{order_id}": ORDER_SIDE,
    "/api/v1/orders/{order_id}/resident-phone": {"lead_v"},  # the accepted crew's lead, while the order is live
    "/api/v1/orders/{order_id}/events": ORDER_SIDE,
    "/api/v1/orders/{order_id}/rating": ORDER_SIDE,
    "/api/v1/dispatch/runs": STAFF,
    "/api/v1/dispatch/runs/{run_id}": STAFF,
    "/api/v1/proposals": EVERYONE,
    "/api/v1/proposals/{proposal_id}": TEAM_SIDE,
    "/api/v1/rosters": TEAM_SIDE - {"volunteer"},
    "/api/v1/rosters/feed-token": EVERYONE,
    "/api/v1/rosters/team/{team_id}.ics": TEAM_SIDE - {"volunteer"},
    "/api/v1/rosters/team/{team_id}.csv": TEAM_SIDE - {"volunteer"},
    "/api/v1/rosters/team/{team_id}.xlsx": TEAM_SIDE - {"volunteer"},
    "/api/v1/rosters/volunteer/{volunteer_id}.ics": TEAM_SIDE,
    "/api/v1/rosters/volunteer/{volunteer_id}.csv": TEAM_SIDE,
    "/api/v1/rosters/volunteer/{volunteer_id}.xlsx": TEAM_SIDE,
    "/api/v1/audit": MANAGERS,
    "/api/v1/audit/export.csv": MANAGERS,
    "/api/v1/users": STAFF,
    "/api/v1/users/{user_id}": STAFF,
    "/api/v1/volunteers/search": EVERYONE,
    "/api/v1/stations/{station_id}/check-in-code": STAFF,
    "/api/v1/visits/households": STAFF,
    "/api/v1/visits/campaigns": STAFF,
    "/api/v1/visits/campaigns/{campaign_id}": STAFF,
    "/api/v1/visits/campaigns/{campaign_id}/routes": STAFF,
    "/api/v1/visits/campaigns/{campaign_id}/coverage": STAFF,
    "/api/v1/visits/mine": EVERYONE,  # one's own routes; none for someone who is no volunteer
    "/api/v1/activities": EVERYONE,
    "/api/v1/activities/{activity_id}": EVERYONE,
    "/api/v1/activities/{activity_id}/signups": STAFF,
    "/api/v1/activities/signups/mine": EVERYONE,
    "/api/v1/showcase/stations/{station_code}": EVERYONE,
    "/api/v1/showcase/counties/{county_code}/figures": EVERYONE,
}
COVERAGE = [
    "",
    "/gaps",
    "/trends",
    "/contributions",
    "/map.geojson",
    "/hexagons.geojson",
    "/areas.geojson",
    "/snapshots",
    "/coverage.csv",
    "/coverage.xlsx",
    "/gaps.csv",
    "/gaps.xlsx",
    "/contributions.csv",
    "/contributions.xlsx",
]
READS.update({f"/api/v1/coverage{tail}": STAFF for tail in COVERAGE})
# Incentives: the rules, rankings and shop are for everyone signed in (each sees their own shops and redemptions);
# a volunteer's ledger and certificate for themself and staff over their home station (not their lead).
READS.update(
    {
        "/api/v1/incentives/rules": EVERYONE,
        "/api/v1/incentives/rankings": EVERYONE,
        "/api/v1/incentives/shop/items": EVERYONE,
        "/api/v1/incentives/shop/redemptions": EVERYONE,
        "/api/v1/incentives/subsidy.xlsx": STAFF,
        **{
            f"/api/v1/incentives/volunteers/{{volunteer_id}}/{tail}": STAFF | {"volunteer"}
            for tail in ("account", "hours", "points", "certificate.pdf")
        },
    }
)
# Deliberation (meetings and the demands raised at them) is station staff's work, in their scope.
READS.update(
    {
        f"/api/v1/deliberation/{tail}": STAFF
        for tail in (
            "meetings",
            "meetings/{meeting_id}",
            "demands",
            "demands/{demand_id}",
            "demands/{demand_id}/events",
        )
    }
)
# The menu is public to everyone signed in, whichever county offers an item.
READABLE_EVERYWHERE = {"/api/v1/menu-items/{item_id}"}
# A station's showcase and a county's display figures are public (counts and masked names only).
READABLE_EVERYWHERE |= {"/api/v1/showcase/stations/{station_code}", "/api/v1/showcase/counties/{county_code}/figures"}
# Query strings some reads need (the object they name is the walked one).
QUERIES = {
    "/api/v1/rosters": "?team_id={team_id}",
    # A county's rules and rankings: one's own county's, or any an admin names.
    "/api/v1/incentives/rules": "?county={county_code}",
    "/api/v1/incentives/rankings": "?county={county_code}",
}

_ACTIVITY_START = (datetime.now().astimezone() + timedelta(days=3)).replace(microsecond=0)

# State-changing operations on the second county's objects: every role of the first county but admin is denied,
# and nothing changes. Bodies are valid, so a refusal is the access policy's, not the input check's.
FOREIGN_WRITES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/menu-items/{item_id}"): {"active": False},
    ("PATCH", "/api/v1/volunteers/{volunteer_id}"): {"max_orders_per_week": 1},
    ("PUT", "/api/v1/volunteers/{volunteer_id}/availability"): {"weekly": [], "exceptions": []},
    ("POST", "/api/v1/orders/{order_id}/cancel"): {"reason": "x"},
    ("POST", "/api/v1/orders/{order_id}/check-in"): {"volunteer_id": "{volunteer_id}"},
    ("POST", "/api/v1/orders/{order_id}/check-out"): {"volunteer_id": "{volunteer_id}"},
    ("POST", "/api/v1/orders/{order_id}/complete"): {"reason": "x"},
    ("POST", "/api/v1/orders/{order_id}/rating"): {"stars": 1, "tags": []},
    ("POST", "/api/v1/proposals/{proposal_id}/accept"): {},
    ("POST", "/api/v1/proposals/{proposal_id}/decline"): {"reason": "x"},
    ("POST", "/api/v1/proposals/{proposal_id}/swap"): {"out_volunteer_id": "{volunteer_id}", "in_volunteer_id": 1},
    ("POST", "/api/v1/users/{user_id}/password"): {"new_password": "another-pass-1234"},
    ("PATCH", "/api/v1/users/{user_id}"): {"display_name": "x"},
    ("PATCH", "/api/v1/teams/{team_id}"): {"name": "x"},
    ("POST", "/api/v1/teams/{team_id}/members"): {"add": [], "remove": []},
    ("POST", "/api/v1/dispatch/runs"): {"county": "XJ", "time_limit": 1},
    ("POST", "/api/v1/visits/campaigns/{campaign_id}/plan"): {},
    ("POST", "/api/v1/visits/visits/{visit_id}/outcome"): {"outcome": "visited", "note": "x"},
    ("POST", "/api/v1/visits/campaigns"): {
        "station_id": "{station_id}",
        "title": "x",
        "topic": "other",
        "starts_on": "2099-01-01",
        "ends_on": "2099-01-02",
        "volunteer_ids": ["{volunteer_id}"],
    },
    ("POST", "/api/v1/activities"): {
        "station_id": "{station_id}",
        "title": "x",
        "start": _ACTIVITY_START.isoformat(),
        "end": (_ACTIVITY_START + timedelta(hours=2)).isoformat(),
        "slots": [{"skill": "elder-care", "capacity": 1}],
    },
    ("POST", "/api/v1/activities/{activity_id}/cancel"): {"reason": "x"},
    ("POST", "/api/v1/activities/{activity_id}/signups"): {"skill": "elder-care"},
    ("POST", "/api/v1/activities/signups/{signup_id}/withdraw"): {},
    ("POST", "/api/v1/teams"): {"code": "T-X9", "name": "x", "station_id": "{station_id}"},
    ("POST", "/api/v1/volunteers"): {"code": "X9", "name": "x", "station_id": "{station_id}", "skills": []},
    ("POST", "/api/v1/menu-items"): {
        "code": "MI-X9",
        "title": "x",
        "priority": "culture",
        "mode": "help",
        "duration_minutes": 60,
        "station_id": "{station_id}",
        "needs": [{"skill": "farming", "count": 1}],
    },
}
FOREIGN_WRITES.update(
    {
        ("POST", "/api/v1/incentives/shop/items"): {"station_id": "{station_id}", "name": "x", "points_cost": 1},
        ("PATCH", "/api/v1/incentives/shop/items/{item_id}"): {"add_stock": 1},
        ("POST", "/api/v1/incentives/shop/redemptions"): {"item_id": "{item_id}", "volunteer_id": "{volunteer_id}"},
        ("POST", "/api/v1/incentives/shop/redemptions/{redemption_id}/cancel"): {},
        ("POST", "/api/v1/incentives/shop/redemptions/{redemption_id}/hand-over"): {},
        ("POST", "/api/v1/incentives/hours/{entry_id}/corrections"): {"minutes": 5, "reason": "x"},
        # The second county's own points rule (the shared default is an admin's: tests/incentives/test_county_rules.py).
        ("POST", "/api/v1/incentives/rules"): {"points_per_hour": 1, "rating_bonus": 0, "county": "XJ"},
        ("POST", "/api/v1/deliberation/meetings"): {
            "station_id": "{station_id}",
            "held_on": "2026-01-05",
            "title": "x",
        },
        ("POST", "/api/v1/deliberation/demands"): {"station_id": "{station_id}", "title": "x"},
        ("PATCH", "/api/v1/deliberation/demands/{demand_id}"): {"due_on": "2030-01-07"},
        ("POST", "/api/v1/deliberation/demands/{demand_id}/transition"): {"to_status": "accepted"},
        ("POST", "/api/v1/deliberation/demands/{demand_id}/orders"): {
            "menu_item_id": "{menu_item_id}",
            "windows": [{"start": "2030-01-07T09:00:00+08:00", "end": "2030-01-07T12:00:00+08:00"}],
        },
    }
)
# Writes not walked here, and why (each is covered where named).
NOT_WALKED = {
    ("POST", "/api/v1/auth/token"): "signing in (tests/accounts)",
    ("DELETE", "/api/v1/auth/token"): "acts on the caller's own token (tests/accounts)",
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "acts on the caller's own tokens (tests/accounts)",
    ("POST", "/api/v1/auth/password"): "the caller's own password (tests/accounts)",
    ("POST", "/api/v1/users"): "admin and county staff create users (tests/accounts)",
    ("POST", "/api/v1/stations"): "admin only (tests/stations)",
    ("POST", "/api/v1/orders"): "placing at a station out of scope (tests/orders)",
    ("POST", "/api/v1/menu-items/{item_id}/adopt"): "templates only (tests/menu/test_menu_ownership.py)",
    ("POST", "/api/v1/rosters/publish"): "scoped to the caller's county (tests/rosters/test_publication_scope.py)",
    ("POST", "/api/v1/rosters/feed-token"): "the caller's own feed key (tests/rosters)",
    ("DELETE", "/api/v1/rosters/feed-token"): "the caller's own feed key (tests/rosters)",
    (
        "POST",
        "/api/v1/volunteer-imports",
    ): "an upload checked in the uploader's scope (tests/volunteers/test_imports.py)",
    ("GET", "/api/v1/volunteer-imports/{import_id}"): "only its uploader's (tests/volunteers/test_imports.py)",
    ("POST", "/api/v1/volunteer-imports/{import_id}/commit"): "only its uploader's (tests/volunteers/test_imports.py)",
    ("POST", "/api/v1/visits/household-imports"): "an upload checked in the uploader's scope (tests/visits)",
    ("GET", "/api/v1/visits/household-imports/{import_id}"): "only its uploader's (tests/visits)",
    ("POST", "/api/v1/visits/household-imports/{import_id}/commit"): "only its uploader's (tests/visits)",
    ("POST", "/api/v1/service-records/{record_id}/confirm"): "the crew's lead or staff (tests/views/test_check_in.py)",
    ("POST", "/api/v1/service-records/{record_id}/corrections"): "the crew member (tests/views/test_check_in.py)",
    ("POST", "/api/v1/service-corrections/{correction_id}/approve"): "the lead or staff (tests/views/test_check_in.py)",
    ("POST", "/api/v1/service-corrections/{correction_id}/reject"): "the lead or staff (tests/views/test_check_in.py)",
    ("POST", "/api/v1/showcase/orders/{order_id}/photos"): "a multipart upload (tests/showcase/test_photos.py)",
}
DENIED = (403, 404)


def _expected(path: str, role: str, where: str) -> bool:
    """Whether a role may read an operation's object in the first county ('own') or the second ('other')."""
    if role == "county2":  # the second county's staff: the first county's staff, mirrored
        role, where = "county", {"own": "other", "other": "own"}[where]
    if where == "other" and path not in READABLE_EVERYWHERE:
        return role == "admin" and "admin" in READS[path]
    return role in READS[path]


def _fill(template: str, ids: dict[str, int], path: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "order_id" and path.endswith("/rating"):
            name = "rated_order_id"
        elif name == "item_id" and "/incentives/" in path:
            name = "shop_item_id"
        elif name == "menu_item_id":
            name = "item_id"
        return str(ids[name])

    return re.sub(r"{(\w+)}", value, template)


def _fill_value(value: object, ids: dict[str, int], path: str) -> object:
    """A body value with its "{name}" placeholders (alone or in a list) replaced by the walked object's id."""
    if isinstance(value, list):
        return [_fill_value(v, ids, path) for v in value]
    return int(_fill(value, ids, path)) if isinstance(value, str) and value.startswith("{") else value


def _operations(client) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item if method != "parameters"]


@pytest.fixture()
def walk(client, world, token_for):
    own, other = build_two_counties(world)
    return {"own": own.ids, "other": other.ids}, {role: token_for(role) for role in ROLES}


def test_every_operation_is_in_the_table(client) -> None:
    listed = {("GET", p) for p in READS} | set(FOREIGN_WRITES) | set(NOT_WALKED)
    assert sorted(set(_operations(client)) - listed) == []
    assert sorted(listed - set(_operations(client))) == []


def test_every_read_as_every_role_inside_and_outside_scope(client, walk) -> None:
    ids, headers = walk
    wrong = []
    for path in READS:
        places = ("own", "other") if "{" in path or path in QUERIES else ("own",)
        for where in places:
            url = _fill(path + QUERIES.get(path, ""), ids[where], path)
            for role in ROLES:
                status = client.get(url, headers=headers[role]).status_code
                allowed = (
                    _expected(path, role, where)
                    if "{" in path or path in QUERIES
                    else role in READS[path] | {"county2"}
                )
                if (allowed and not 200 <= status < 300) or (not allowed and status not in DENIED):
                    wrong.append(
                        f"GET {url} ({path}, {where}) as {role}: {status}, expected {'allow' if allowed else 'deny'}"
                    )
    assert not wrong, "\n".join(wrong)


def test_lists_never_show_another_countys_objects(client, walk) -> None:
    ids, headers = walk
    lists = {
        "/api/v1/orders": "order_id",
        "/api/v1/teams": "team_id",
        "/api/v1/volunteers": "volunteer_id",
        "/api/v1/proposals": "proposal_id",
        "/api/v1/dispatch/runs": "run_id",
        "/api/v1/activities": "activity_id",
    }
    wrong = []
    for path, key in lists.items():
        for role in ROLES:
            response = client.get(path, headers=headers[role])
            if response.status_code != 200:
                continue
            seen = {row["id"] for row in response.get_json()}
            foreign = ids["own"][key] if role == "county2" else ids["other"][key]
            if role != "admin" and foreign in seen:
                wrong.append(f"{path} as {role} shows the other county's {key} {foreign}")
    assert not wrong, "\n".join(wrong)


def test_no_write_reaches_another_countys_objects(client, walk) -> None:
    ids, headers = walk
    wrong = []
    for (method, path), body in FOREIGN_WRITES.items():
        url = _fill(path, ids["other"], path)
        payload = {k: _fill_value(v, ids["other"], path) for k, v in body.items()}
        for role in FIRST_COUNTY:
            if role == "admin":
                continue
            status = client.open(url, method=method, json=payload, headers=headers[role]).status_code
            if status not in DENIED:
                wrong.append(f"{method} {url} ({path}) as {role}: {status}, expected deny")
    assert not wrong, "\n".join(wrong)
