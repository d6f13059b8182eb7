"""Every page, opened as every role signed in, on objects inside and outside the caller's scope (a second county),
against the declared expectation table: allowed (200, or a redirect inside the app) or denied (403/404)."""

from __future__ import annotations

from tests.access_world import ROLES, build_two_counties
from tests.views.conftest import PageClient

EVERYONE = {"admin", "county", "town", "staff", "resident", "lead_v", "volunteer"}
STAFF = {"admin", "county", "town", "staff"}
MANAGERS = {"admin", "county"}
TEAM_STAFF = STAFF | {"lead_v"}

# Flask rule -> (URL to open, who of the first county may open it on the first county's object). On the second
# county's object only admin may (the second county's staff mirror the first's), except where OTHER says.
PAGES: dict[str, tuple[str, set[str]]] = {
    "/": ("/", EVERYONE),
    "/activities/": ("/activities/", EVERYONE),
    "/activities/<int:activity_id>": ("/activities/{activity_id}", EVERYONE),
    # Public: a station's showcase and the county display carry no personal data.
    "/showcase/<station_code>": ("/showcase/PY-BY-01", EVERYONE),
    "/display/<county_code>": ("/display/PY", EVERYONE),
    "/display/<county_code>/figures.json": ("/display/PY/figures.json", EVERYONE),
    "/account/password": ("/account/password", EVERYONE),
    "/admin/scheduler/": ("/admin/scheduler/", MANAGERS),
    "/admin/users": ("/admin/users", STAFF),
    "/admin/users/new": ("/admin/users/new", STAFF),
    "/admin/users/<int:user_id>": ("/admin/users/{user_id}", STAFF),
    "/dashboard/areas.geojson": ("/dashboard/areas.geojson", STAFF),
    "/station/code": ("/station/code", {"town", "staff"}),
    "/stations/<int:station_id>/code": ("/stations/{station_id}/code", STAFF),
    "/teams/new": ("/teams/new", STAFF),
    "/teams/<int:team_id>/edit": ("/teams/{team_id}/edit", STAFF),
    "/volunteers/import": ("/volunteers/import", STAFF),
    "/audit": ("/audit", MANAGERS),
    "/audit/export.csv": ("/audit/export.csv", MANAGERS),
    "/dashboard": ("/dashboard", STAFF),
    "/dashboard/export/<kind>.<fmt>": ("/dashboard/export/coverage.csv", STAFF),
    "/dashboard/hexagons.geojson": ("/dashboard/hexagons.geojson", STAFF),
    "/dashboard/map.geojson": ("/dashboard/map.geojson", STAFF),
    "/dispatch": ("/dispatch", STAFF),
    "/dispatch/runs/<int:run_id>/state": ("/dispatch/runs/{run_id}/state", STAFF),
    "/inbox": ("/inbox", MANAGERS | {"lead_v"}),
    "/manage/menu": ("/manage/menu", MANAGERS),
    "/manage/menu/new": ("/manage/menu/new", MANAGERS),
    "/manage/menu/<int:item_id>": ("/manage/menu/{item_id}", MANAGERS),
    "/me": ("/me", {"lead_v", "volunteer"}),
    "/me/availability": ("/me/availability", {"volunteer"}),
    "/menu": ("/menu", STAFF | {"resident"}),
    "/menu/<int:item_id>/order": ("/menu/{item_id}/order", STAFF | {"resident"}),
    # The confirmation page follows the order's visibility; the cancel itself is refused to leads and crews.
    "/orders/<int:order_id>/cancel": ("/orders/{order_id}/cancel", EVERYONE),
    "/orders": ("/orders", EVERYONE),
    "/orders/<int:order_id>": ("/orders/{order_id}", EVERYONE),
    "/rosters/": ("/rosters/", TEAM_STAFF | {"volunteer"}),
    "/rosters/<any(team, volunteer):kind>/<int:owner_id>": ("/rosters/team/{team_id}", TEAM_STAFF),
    "/rosters/<any(team, volunteer):kind>/<int:owner_id>/print": ("/rosters/team/{team_id}/print", TEAM_STAFF),
    "/rosters/<any(team, volunteer):kind>/<int:owner_id>/roster.<any(csv, xlsx):fmt>": (
        "/rosters/volunteer/{volunteer_id}/roster.csv",
        TEAM_STAFF | {"volunteer"},
    ),
    "/team": ("/team", {"lead_v"}),
    "/teams": ("/teams", TEAM_STAFF),
    "/teams/<int:team_id>": ("/teams/{team_id}", TEAM_STAFF),
    "/volunteers": ("/volunteers", TEAM_STAFF),
    "/volunteers/<int:volunteer_id>": ("/volunteers/{volunteer_id}", TEAM_STAFF),
    "/volunteers/<int:volunteer_id>/availability": ("/volunteers/{volunteer_id}/availability", TEAM_STAFF),
    "/visits/": ("/visits/", STAFF),
    "/visits/households": ("/visits/households", STAFF),
    "/visits/households/import": ("/visits/households/import", STAFF),
    "/visits/mine": ("/visits/mine", {"lead_v", "volunteer"}),
    "/visits/campaigns/<int:campaign_id>": ("/visits/campaigns/{campaign_id}", STAFF),
    "/visits/campaigns/<int:campaign_id>/sheets": ("/visits/campaigns/{campaign_id}/sheets", STAFF),
    "/visits/campaigns/<int:campaign_id>/sheets.pdf": ("/visits/campaigns/{campaign_id}/sheets.pdf", STAFF),
}
# Another county's item is ordered at a station of that county only, so not even an admin's default page has it.
NOBODY_ELSEWHERE = {"/menu/<int:item_id>/order"}
# Pages that are not the access policy's business: signing in and out, the offline API docs' assets.
NOT_WALKED = {"/login", "/logout", "/vendor/swagger-ui/<path:filename>", "/static/<path:filename>"}
# The front door: phone sign-in, the development codes page, walk-ins' status links, the order confirmation and
# cancel steps and kiosk mode hold their own access rules, tested in tests/views/test_front_door.py.
NOT_WALKED |= {
    "/login/phone",
    "/login/phone/code",
    "/signup",
    "/dev/codes",
    "/s/<int:order_id>/<key>",
    "/s/<int:order_id>/<key>/rate",
    "/menu/<int:item_id>/confirm",
    "/orders/<int:order_id>/cancel",
    "/kiosk/start",
    "/kiosk/exit",
    "/kiosk/slip/<int:order_id>/<key>",
}
# An upload's preview is only its uploader's, even for admins (tests/volunteers/test_imports.py checks that).
NOT_WALKED |= {"/volunteers/import/<int:import_id>", "/visits/households/import/<int:import_id>"}
# Probes for the load balancer: no data, open to all; readiness answers 503 without a scheduler (tests/ops).
NOT_WALKED |= {"/healthz", "/readyz"}
# A rating photo is public once stored (re-encoded, no EXIF); tests/showcase/test_photos.py serves one.
NOT_WALKED |= {"/showcase/photos/<int:photo_id>.jpg"}
# Incentives: a volunteer's own points page and certificate; rankings for volunteers, leads and staff; the shop,
# a volunteer's ledger, certificates and the subsidy sheet for staff in scope; the points rule for managers.
PAGES.update(
    {
        "/incentives/me": ("/incentives/me", {"volunteer"}),
        "/incentives/me/certificate.pdf": ("/incentives/me/certificate.pdf", {"volunteer"}),
        # A county's rankings and rules: one's own county's (another's is 404), or any an admin names.
        "/incentives/rankings": ("/incentives/rankings?county={county_code}", STAFF | {"lead_v", "volunteer"}),
        "/incentives/rules": ("/incentives/rules?county={county_code}", MANAGERS),
        "/incentives/shop": ("/incentives/shop", STAFF),
        "/incentives/subsidy.xlsx": ("/incentives/subsidy.xlsx", STAFF),
        "/incentives/volunteers/<int:volunteer_id>": ("/incentives/volunteers/{volunteer_id}", STAFF),
        "/incentives/volunteers/<int:volunteer_id>/certificate.pdf": (
            "/incentives/volunteers/{volunteer_id}/certificate.pdf",
            STAFF,
        ),
    }
)
# Deliberation is station staff's, in their scope; a station's progress page is public (no personal data).
PAGES.update(
    {
        "/deliberation/": ("/deliberation/", STAFF),
        "/deliberation/demands/<int:demand_id>": ("/deliberation/demands/{demand_id}", STAFF),
        "/deliberation/meetings/<int:meeting_id>": ("/deliberation/meetings/{meeting_id}", STAFF),
        "/progress/<station_code>": ("/progress/PY-BY-01", EVERYONE),
    }
)


def _allowed(rule: str, role: str, where: str) -> bool:
    if role == "county2":
        role, where = "county", {"own": "other", "other": "own"}[where]
    allowed = PAGES[rule][1]
    if where == "other":
        return rule not in NOBODY_ELSEWHERE and role == "admin" and "admin" in allowed
    return role in allowed


def test_every_page_is_in_the_table(app) -> None:
    rules = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith("/api/")}
    assert sorted(rules - set(PAGES) - NOT_WALKED) == []


def test_every_page_as_every_role_inside_and_outside_scope(app, world, pages) -> None:
    own, other = build_two_counties(world)
    clients = {}
    for role in ROLES:
        clients[role] = PageClient(app, app.response_class, use_cookies=True)
        clients[role].login(role)
    wrong = []
    for rule, (template, _) in PAGES.items():
        for where, objects in (("own", own), ("other", other)):
            if "{" not in template and where == "other":
                continue
            url = template.format(**objects.ids)
            for role in ROLES:
                status = clients[role].get(url).status_code
                allowed = (
                    _allowed(rule, role, where)
                    if "{" in template
                    else _allowed(rule, role, "own") or (role == "county2" and "county" in PAGES[rule][1])
                )
                if (allowed and status not in (200, 302)) or (not allowed and status not in (403, 404)):
                    wrong.append(f"{url} ({where}) as {role}: {status}, expected {'allow' if allowed else 'deny'}")
    assert not wrong, "\n".join(wrong)
