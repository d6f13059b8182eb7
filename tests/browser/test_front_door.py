"""The open front door in a real browser: a first-time resident looks, signs up by phone code, orders, follows
and rates; station staff run a kiosk. Offline but for the app; screenshots at phone and desktop size, both languages.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, rate_on_page, shoot

LARGE_DESKTOP = {"width": 1440, "height": 900}


def _no_external(page) -> None:  # noqa: ANN001
    assert page.offline_guard.external == [], page.offline_guard.external


def _luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(page, selector: str) -> float:  # noqa: ANN001
    """Contrast of an element's text against the background it is drawn on."""
    colours = page.eval_on_selector(
        selector,
        """el => {
            let node = el, bg = 'rgba(0, 0, 0, 0)';
            while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
                bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
            }
            return [getComputedStyle(el).color, bg];
        }""",
    )
    fg, bg = (_luminance(c) for c in colours)
    return (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)


@pytest.fixture()
def dev_codes(live):
    """The live app keeps the codes it sends on its development list for the test to read."""
    live.app.config["DEV_PAGES"] = True
    yield lambda: live.app.extensions["diandan_dev_codes"][0]["code"]
    live.app.config["DEV_PAGES"] = False


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", LARGE_DESKTOP)])
def test_the_menu_is_open_in_both_languages(open_page, live, size: str, viewport: dict) -> None:
    page = open_page(viewport=viewport)
    page.goto(live.url + "/")
    assert page.locator(".priority-section").count() == 5
    assert page.locator("a.tile").count() > 0
    shoot(page, f"front-menu-{size}-zh")
    page.click("a.lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "What service would you like?" in page.locator("h1").inner_text()
    shoot(page, f"front-menu-{size}-en")
    _no_external(page)


def test_a_first_time_resident_signs_up_orders_follows_and_rates(open_page, live, dev_codes) -> None:
    page = open_page(viewport=PHONE)
    page.goto(live.url + "/")
    page.select_option("#station", value="PY-BY-01")
    page.wait_for_url(re.compile(r"station=PY-BY-01"))
    page.click('a.tile[data-item="MI-01"]')
    page.wait_for_url(re.compile(r"/login/phone"))
    # A wrong number: the error is on screen, next to the field, with the cursor in it.
    page.fill("#phone", "123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    error = page.locator(".field-error")
    assert "11 位手机号码" in error.inner_text()
    box, height = error.bounding_box(), page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height
    assert page.evaluate("document.activeElement.id") == "phone"
    shoot(page, "front-phone-error-phone")
    page.fill("#phone", "139 0000 7777")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/login/phone/code"))
    assert "139****7777" in page.locator("main").inner_text()
    page.fill("#code", dev_codes())
    shoot(page, "front-code-phone")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/signup"))
    page.fill("#name", "王大妈")
    shoot(page, "front-signup-phone")
    page.click("main button[type=submit]")
    # Back to the service chosen on the open menu.
    page.wait_for_url(re.compile(r"/menu/\d+/order"))
    # A morning four days ahead: far enough that the engine may place it whatever the time of the run.
    chip = page.locator(".slot-day").nth(4).locator(".chip:has(input:not([disabled]))").first
    chip.click()
    # The picked time chip reads clearly (WCAG AA, 4.5:1), its hours too.
    assert _contrast(page, ".chip input:checked + span") >= 4.5
    assert _contrast(page, ".chip input:checked + span small") >= 4.5
    shoot(page, "front-times-phone")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/confirm"))
    page.click('button[value="yes"]')
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    steps = page.locator('[data-testid="next-steps"]').inner_text()
    assert "接下来会怎样" in steps and "139****7777" in steps
    shoot(page, "front-placed-phone")
    # Back after ordering shows the service again, not a resubmitted form; nothing is placed twice.
    page.go_back()
    page.wait_for_load_state()
    assert "/menu/" in page.url
    _serve(live, order_id)
    # Follow: the order page shows it served; rate it.
    page.goto(f"{live.url}/orders/{order_id}")
    rate_on_page(page, stars=5, words=["用得上"])
    shoot(page, "front-rated-phone")
    _no_external(page)


def _serve(live, order_id: int) -> None:  # noqa: ANN001
    """The team accepts and serves the order (behind the scenes, as the lead and crew would)."""
    from app.accounts.models import User
    from app.dispatch import crew as crew_service
    from app.dispatch import proposals as proposals_service
    from app.dispatch import runs as runs_service
    from app.extensions import db
    from app.orders.models import Order

    with live.app.app_context():
        runs_service.run_dispatch_for_counties(county_code="PY", trigger="test", actor=None, time_limit=2)
        db.session.commit()
        order = db.session.get(Order, order_id)
        proposal = next(p for p in order_proposals(order) if p.status == "pending")
        lead = db.session.get(User, proposal.team.lead_user_id)
        proposals_service.accept_proposal(user=lead, proposal_id=proposal.id)
        db.session.commit()
        members = [m.volunteer_id for m in proposal.crew]
        for volunteer_id in members:
            crew_service.check_in(user=lead, order_id=order_id, volunteer_id=volunteer_id)
        for volunteer_id in members:
            crew_service.check_out(user=lead, order_id=order_id, volunteer_id=volunteer_id)
        db.session.commit()
        db.session.remove()


def order_proposals(order):  # noqa: ANN001, ANN201
    from app.dispatch.models import Proposal
    from app.extensions import db

    return list(db.session.scalars(db.select(Proposal).where(Proposal.order_id == order.id)))


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_station_staff_run_a_kiosk(open_page, live, size: str, viewport: dict) -> None:
    page = open_page("staff", viewport)
    page.goto(live.url + "/menu")
    page.click('[data-testid="kiosk-start"]')
    page.wait_for_load_state()
    assert page.locator('[data-testid="kiosk-bar"]').is_visible()
    assert page.locator("nav.nav").count() == 0
    shoot(page, f"kiosk-mode-{size}-zh")
    # Staff pages are out of reach: the tablet returns to the menu.
    page.goto(live.url + "/orders")
    assert page.url.endswith("/menu")
    page.click('a.tile[data-item="MI-15"]')
    page.locator(".chip:has(input:not([disabled]))").last.click()
    page.fill("#resident_name", "李奶奶")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/confirm"))
    page.click('button[value="yes"]')
    page.wait_for_url(re.compile(r"/kiosk/slip/"))
    link = page.locator('[data-testid="status-link"]').inner_text()
    shoot(page, f"kiosk-slip-{size}-zh")
    page.click("a.lang")
    page.wait_for_load_state()
    shoot(page, f"kiosk-slip-{size}-en")
    # The walk-in follows the order by its link, without an account.
    other = open_page(viewport=viewport)
    other.goto(link)
    assert other.locator('[data-testid="order-status"]').is_visible()
    assert "李奶奶" not in other.locator("main").inner_text()
    page.goto(live.url + "/kiosk/exit")
    page.fill("#password", "pass-1234")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("nav.nav").count() == 1
    _no_external(page)


def test_a_walk_in_rates_through_the_short_status_link(open_page, live) -> None:
    from app.extensions import db
    from app.orders import service as order_service
    from app.orders.models import Order

    order_id = live.orders["walk_in_to_rate"]
    with live.app.app_context():
        key = order_service.status_key(db.session.get(Order, order_id))
        db.session.remove()
    page = open_page(None, PHONE)
    page.goto(f"{live.url}/s/{order_id}/{key}")
    rate_on_page(page, stars=5, words=["信得过"], comment="大夫很耐心", shot="walk-in-rate-phone")
    assert "★★★★★" in page.locator('[data-testid="rated"]').inner_text()
    assert page.locator('button:has-text("提交评价")').count() == 0
    page.set_viewport_size(LARGE_DESKTOP)
    page.goto(f"{live.url}/s/{order_id}/{key}?lang=en")
    assert page.locator('[data-testid="order-status"]').inner_text() == "Rated"
    shoot(page, "walk-in-rated-desktop-en")
    _no_external(page)
