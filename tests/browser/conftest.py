"""Browser test fixtures: a live server on a seeded SQLite file in a thread, and Debian's Chromium via Playwright.

Every test here is marked `browser` and skips only when /usr/bin/chromium is absent (CI installs it).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1920, "height": 1080}
# The two sizes every page is looked at in (issue 11): a phone and a common laptop.
SIZES = {"phone": PHONE, "desktop": {"width": 1440, "height": 900}}


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Mark every test in this folder `browser`, and skip them all when Chromium is not installed."""
    here = Path(__file__).parent
    missing = not Path(CHROMIUM).exists()
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            # Chromium may drop a connection while the live server still streams a static file; the
            # socket's ResourceWarning then surfaces at random and is no fault of the page under test.
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))
            if missing:
                item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed"))


def window(days: int) -> dict:
    """Nine to noon, local time, some days ahead."""
    from datetime import datetime, timedelta

    from app.core.timeutil import LOCAL_TZ

    day = (datetime.now(LOCAL_TZ) + timedelta(days=days)).date()
    return {
        "start": datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ),
        "end": datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ),
    }


@dataclass
class Live:
    """The running server and the ids of the orders seeded for each journey."""

    url: str
    orders: dict[str, int] = field(default_factory=dict)
    stations: int = 0
    app: object = None


def _seed() -> dict[str, int]:
    """A small county with orders waiting at each step of the journeys."""
    from app.accounts.models import User
    from app.dispatch import crew as crew_service
    from app.dispatch import proposals as proposals_service
    from app.dispatch import runs as runs_service
    from app.extensions import db
    from app.orders import service as order_service
    from app.volunteers.models import Volunteer
    from tests.factories import build_world

    world = build_world()
    db.session.commit()

    def who(key: str) -> User:
        return db.session.get(User, world.users[key].id)

    def place(user: str, item: str, days: int) -> int:
        order = order_service.place_order(
            user=who(user),
            menu_item_id=world.menu_item(item).id,
            station_id=world.stations["PY-BY-01"].id,
            windows=[window(days=days)],
            resident=None if user == "resident" else {"name": "马大爷", "phone": "13900000000"},
        )
        db.session.commit()
        return order.id

    def dispatch() -> None:
        runs_service.run_dispatch_for_counties(county_code="PY", trigger="test", actor=None, time_limit=2)
        db.session.commit()

    def accept(lead: str, order_id: int) -> list[int]:
        proposal = next(
            p for p in proposals_service.list_proposals(user=who(lead), status="pending") if p.order_id == order_id
        )
        proposals_service.accept_proposal(user=who(lead), proposal_id=proposal.id)
        db.session.commit()
        return [m.volunteer_id for m in proposal.crew]

    orders: dict[str, int] = {}
    # The resident's own order, served and waiting for a rating.
    orders["to_rate"] = place("resident", "MI-01", days=3)
    # The volunteer's order, accepted and waiting for check-in.
    orders["to_serve"] = place("staff", "MI-15", days=1)
    # A walk-in's order, served: rated through its short status link.
    orders["walk_in_to_rate"] = place("staff", "MI-01", days=5)
    dispatch()
    crew = accept("lead_t", orders["to_rate"])
    for volunteer_id in crew:
        crew_service.check_in(user=who("lead_t"), order_id=orders["to_rate"], volunteer_id=volunteer_id)
    for volunteer_id in crew:
        crew_service.check_out(user=who("lead_t"), order_id=orders["to_rate"], volunteer_id=volunteer_id)
    db.session.commit()
    crew = accept("lead_t", orders["walk_in_to_rate"])
    for volunteer_id in crew:
        crew_service.check_in(user=who("lead_t"), order_id=orders["walk_in_to_rate"], volunteer_id=volunteer_id)
        crew_service.check_out(user=who("lead_t"), order_id=orders["walk_in_to_rate"], volunteer_id=volunteer_id)
    db.session.commit()
    crew = accept("lead_v", orders["to_serve"])
    # The other crew member has already been and gone: the volunteer's check-out completes the order.
    volunteer_user = who("volunteer")
    for volunteer_id in crew:
        if db.session.get(Volunteer, volunteer_id).user_id != volunteer_user.id:
            crew_service.check_in(user=who("lead_v"), order_id=orders["to_serve"], volunteer_id=volunteer_id)
            crew_service.check_out(user=who("lead_v"), order_id=orders["to_serve"], volunteer_id=volunteer_id)
    db.session.commit()
    # The lead's inbox: a fresh proposal.
    orders["to_accept"] = place("staff", "MI-15", days=2)
    dispatch()
    _visit_campaign(world, who("staff"))
    return orders


def _visit_campaign(world, staff) -> None:  # noqa: ANN001
    """Four households at the first village and a campaign planned for the volunteer and a teammate."""
    from datetime import timedelta

    from app.core.timeutil import to_local, utcnow
    from app.extensions import db
    from app.visits import service as visits
    from app.visits.models import Household

    village = world.stations["PY-BY-01"]
    db.session.add_all(
        Household(station_id=village.id, code=f"H{i}", address=f"阳洼村{i}组{i}号", lat=village.lat + 0.001 * i,
                  lon=village.lon, tags=["elderly_alone"])
        for i in range(1, 5)
    )  # fmt: skip
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    campaign = visits.create_campaign(
        user=staff,
        station_id=village.id,
        title="冬季消防安全入户走访",
        topic="fire_safety",
        starts_on=tomorrow,
        ends_on=tomorrow,
        volunteer_ids=[world.volunteers["v1"].id, world.volunteers["v2"].id],
    )
    visits.plan_campaign(user=staff, campaign_id=campaign.id)
    db.session.commit()


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    """The app on a seeded SQLite file, served from a thread on a free local port."""
    from app import create_app
    from app.extensions import db

    path = tmp_path_factory.mktemp("live") / "diandan.db"
    # Every browser test signs in from 127.0.0.1; on a fast machine more than the production limit of sign-ins
    # land within a minute, and a throttled sign-in would fail an unrelated test. The limit has its own tests.
    app = create_app(
        "config.TestingConfig",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        PROPAGATE_EXCEPTIONS=False,
        LOGIN_RATE_LIMIT="100000 per minute",
    )
    with app.app_context():
        db.create_all()
        orders = _seed()
        from app.stations.models import Station

        stations = db.session.scalar(db.select(db.func.count(Station.id)))
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(url=f"http://127.0.0.1:{server.server_port}", orders=orders, stations=stations, app=app)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _accounts_read_chinese_again(request):  # noqa: ANN001
    """A test that switches a signed-in role to English makes it that account's language (for its messages);
    the next test starts from the default again."""
    yield
    if "live" not in request.fixturenames:
        return
    from app.accounts.models import User
    from app.extensions import db

    live = request.getfixturevalue("live")
    with live.app.app_context():
        # Read first: most tests switch no language, and a write would contend with the server's own.
        if db.session.scalar(db.select(db.func.count(User.id)).where(User.locale.is_not(None))):
            db.session.execute(db.update(User).where(User.locale.is_not(None)).values(locale=None))
            db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Offline:
    """Blocks every request that is not to the live server and remembers what was asked for."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.external: list[str] = []

    def __call__(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


def _new_context(browser, *, viewport: dict, enforce_csp: bool = False, storage_state: dict | None = None):  # noqa: ANN001
    # Playwright's wait_for_function evaluates strings in the page, which the app's CSP forbids (no eval);
    # test_csp.py opens pages with the policy enforced.
    return browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=1,
        bypass_csp=not enforce_csp,
        storage_state=storage_state,
    )


def _guarded_page(context, live: Live):  # noqa: ANN001
    page = context.new_page()
    page.set_default_timeout(15000)
    guard = Offline(live.url)
    page.route("**/*", guard)
    page.offline_guard = guard
    return page


@pytest.fixture(scope="session")
def signed_in(browser, live: Live):
    """Return a role's signed-in cookies: each role signs in through the form once a run, and every test's fresh
    context starts from them (no browser test signs out, which would end the role's other sessions)."""
    states: dict[str, dict] = {}

    def state_for(username: str) -> dict:
        if username not in states:
            context = _new_context(browser, viewport=PHONE)
            page = _guarded_page(context, live)
            page.goto(f"{live.url}/login")
            page.fill("#username", username)
            page.fill("#password", "pass-1234")
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"signing in as {username} failed: {page.locator('main').inner_text()}"
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state_for


@pytest.fixture()
def open_page(browser, live: Live, signed_in):
    """Return a builder: a fresh page at a viewport size, offline but for the live server, optionally signed in."""
    contexts = []

    def build(username: str | None = None, viewport: dict = DESKTOP, *, enforce_csp: bool = False):
        state = signed_in(username) if username else None
        context = _new_context(browser, viewport=viewport, enforce_csp=enforce_csp, storage_state=state)
        contexts.append(context)
        page = _guarded_page(context, live)
        if username:
            # Where signing in lands: the role's home page.
            page.goto(f"{live.url}/")
            assert "/login" not in page.url, f"the stored sign-in of {username} no longer works"
        return page

    yield build
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    """Save a full-page screenshot under screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def rate_on_page(page, *, stars: int, words: list[str], comment: str = "", shot: str | None = None) -> None:  # noqa: ANN001
    """Fill in the rating form of a served order's page and send it; checks the thanks and the rated status."""
    assert page.locator('[data-testid="order-status"]').inner_text() == "已完成"
    page.click(f'label[for="star-{stars}"]')
    for word in words:
        page.click(f'.chip:has-text("{word}")')
    if comment:
        page.fill("#comment", comment)
    if shot:
        shoot(page, shot)
    page.click('button:has-text("提交评价")')
    page.wait_for_load_state()
    assert "感谢您的评价" in page.locator(".flash").inner_text()
    assert page.locator('[data-testid="order-status"]').inner_text() == "已评价"
