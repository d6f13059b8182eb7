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
    return orders


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


@pytest.fixture()
def open_page(browser, live: Live):
    """Return a builder: a fresh page at a viewport size, offline but for the live server, optionally signed in."""
    contexts = []

    def build(username: str | None = None, viewport: dict = DESKTOP, *, enforce_csp: bool = False):
        # Playwright's wait_for_function evaluates strings in the page, which the app's CSP forbids (no eval);
        # test_csp.py opens pages with the policy enforced.
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            device_scale_factor=1,
            bypass_csp=not enforce_csp,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        guard = Offline(live.url)
        page.route("**/*", guard)
        page.offline_guard = guard
        if username:
            page.goto(f"{live.url}/login")
            page.fill("#username", username)
            page.fill("#password", "pass-1234")
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"signing in as {username} failed: {page.locator('main').inner_text()}"
        return page

    yield build
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    """Save a full-page screenshot under screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
