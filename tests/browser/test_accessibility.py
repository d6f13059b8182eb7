"""axe-core on every page at phone and desktop size: no serious or critical violation.

Each role signs in once and visits the pages its navigation offers, plus the pages reached from them (forms,
detail pages with the seeded ids). Every GET page route of the app must be among them, so a new page cannot slip
past the check; each page is checked at 375x812, then resized to 1440x900 and checked again.
"""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import PHONE, Offline

AXE = Path(__file__).resolve().parents[2] / "build" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}
# Not pages for people: feeds, exports, JSON, the API and its docs assets, and routes that only redirect.
NOT_PAGES = (
    "/api/",
    "/static/",
    "/vendor/",
    ".ics",
    ".csv",
    ".xlsx",
    ".pdf",
    ".geojson",
    ".json",
    "/logout",
    "/healthz",
    "/readyz",
)
REDIRECTS = {"/station/code", "/team", "/signup", "/login/phone/code", "/kiosk/exit"}
# Shown only in development (a 404 under TestingConfig).
DEVELOPMENT_ONLY = {"/dev/codes"}
# Pages reached from a role's pages rather than from its navigation.
EXTRA = {
    None: ["/", "/login", "/login/phone"],
    "county": [
        "/admin/users/new",
        "/teams/new",
        "/volunteers/import",
        "/account/password",
        "/manage/menu/new",
        "/visits/households",
        "/visits/households/import",
    ],
    "volunteer": ["/me/availability"],
}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


def _page_routes(app) -> set[str]:  # noqa: ANN001
    """Every GET route without parameters that may serve a page."""
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not any(m in rule.rule for m in NOT_PAGES)
    }


def _with_ids(live) -> dict[str, list[str]]:  # noqa: ANN001
    """Pages with parameters, by the role that opens them."""
    from app.accounts.models import User
    from app.extensions import db
    from app.stations.models import Station
    from app.visits.models import Campaign
    from app.volunteers.models import Team, Volunteer

    with live.app.app_context():
        station = db.session.scalar(db.select(Station.id).where(Station.code == "PY-BY-01"))
        team = db.session.scalar(db.select(Team.id).where(Team.code == "T-V-A1"))
        volunteer = db.session.scalar(db.select(Volunteer.id).where(Volunteer.code == "V2"))
        account = db.session.scalar(db.select(User.id).where(User.username == "staff"))
        campaign = db.session.scalar(db.select(Campaign.id))
        activity = _an_activity(db.session.scalar(db.select(User).where(User.username == "county")), station)
        db.session.remove()
    return {
        "resident": [f"/orders/{live.orders['to_rate']}"],
        "county": [
            f"/orders/{live.orders['to_accept']}",
            f"/teams/{team}/edit",
            f"/volunteers/{volunteer}",
            f"/volunteers/{volunteer}/availability",
            f"/admin/users/{account}",
            f"/visits/campaigns/{campaign}",
            f"/visits/campaigns/{campaign}/sheets",
        ],
        "lead_v": [f"/teams/{team}"],
        "staff": [f"/stations/{station}/code", f"/activities/{activity}"],
        "volunteer": [f"/activities/{activity}"],
        None: ["/showcase/PY-BY-01", "/display/PY"],
    }


def _an_activity(county_staff, station_id: int) -> int:  # noqa: ANN001
    """An open activity with a slot the village volunteer fits, to open its page."""
    from datetime import timedelta

    from app.activities import service
    from app.core.timeutil import utcnow
    from app.extensions import db

    start = utcnow() + timedelta(days=5)
    activity = service.publish_activity(
        user=county_staff,
        station_id=station_id,
        title="村晚文艺演出",
        start_at=start,
        end_at=start + timedelta(hours=2),
        location="村文化广场",
        slots=[{"skill": "performance", "capacity": 12}, {"skill": "elder-care", "capacity": 2}],
    )
    db.session.commit()
    return activity.id


def _open(browser, live, signed_in, role: str | None):  # noqa: ANN001
    """A page like open_page's, signed in from the role's stored sign-in, with axe loaded into every page it opens
    (past the Content-Security-Policy)."""
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        bypass_csp=True,
        storage_state=signed_in(role) if role else None,
    )
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15000)
    page.offline_guard = Offline(live.url)
    page.route("**/*", page.offline_guard)
    page.goto(f"{live.url}/")
    return context, page


def test_no_serious_accessibility_violation_on_any_page(browser, live, signed_in) -> None:
    assert AXE.exists(), "scripts/install_assets.sh installs axe-core into build/axe-core"
    with_ids = _with_ids(live)
    problems: list[str] = []
    visited: set[str] = set()
    for role in (None, "admin", "county", "staff", "lead_v", "volunteer", "resident"):
        context, page = _open(browser, live, signed_in, role)
        nav = [
            href.removeprefix(live.url)
            for href in page.eval_on_selector_all("nav.nav a", "els => els.map(e => e.href)")
        ]
        for path in dict.fromkeys([*nav, *EXTRA.get(role, []), *with_ids.get(role, [])]):
            response = page.goto(live.url + path)
            assert response is not None and response.status == 200, (role, path)
            for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                page.set_viewport_size(viewport)
                problems += [f"{path} at {size} as {role}: {found}" for found in page.evaluate(RUN_AXE)]
            page.set_viewport_size(PHONE)
            visited.add(path.split("?")[0])
        assert page.offline_guard.external == []
        context.close()
    assert not problems, "\n".join(problems)
    unvisited = _page_routes(live.app) - visited - REDIRECTS - DEVELOPMENT_ONLY
    assert not unvisited, f"pages no role visited (add them to EXTRA): {sorted(unvisited)}"
