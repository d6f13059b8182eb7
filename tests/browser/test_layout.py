"""Layout checks: lists read as cards on phones, nothing spills sideways, and the dashboard tables fit their cards."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE

# The threaded test server sometimes drops a static file (favicon, font) when Chromium closes the page mid-request.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

# Cells narrower than this are what "one character per line" looks like.
SQUEEZED_PX = 40

_LAYOUT = """
() => {
  const vw = document.documentElement.clientWidth;
  const hiddenHead = el => { const h = el.closest('thead'); return h && h.getBoundingClientRect().height <= 1; };
  const visible = el => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && !hiddenHead(el);
  };
  const squeezed = [...document.querySelectorAll('main td, main th')]
    .filter(c => visible(c) && c.textContent.trim().length > 2 && c.getBoundingClientRect().width < SQUEEZED_PX)
    .map(c => c.textContent.trim().slice(0, 12));
  return {overflow: document.documentElement.scrollWidth - vw, squeezed};
}
""".replace("SQUEEZED_PX", str(SQUEEZED_PX))


def _settled(page, path: str) -> None:  # noqa: ANN001
    """Wait for what the layout depends on: the fonts, and the dashboard's map drawn from its fetched data."""
    if path == "/dashboard":
        page.wait_for_function("document.querySelectorAll('path.station-marker').length > 0")
    page.evaluate("document.fonts.ready.then(() => true)")


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("/orders", "staff"),
        ("/orders", "county"),
        ("/dispatch", "county"),
        ("/manage/menu", "county"),
        ("/teams", "county"),
        ("/volunteers", "county"),
        ("/dashboard", "county"),
        ("/inbox", "lead_v"),
        ("/incentives/me", "volunteer"),
        ("/incentives/shop", "staff"),
        ("/incentives/rankings", "county"),
        ("/incentives/rules", "county"),
        ("/deliberation/", "staff"),
    ],
)
def test_phone_lists_do_not_squeeze_or_spill(open_page, live, path: str, user: str) -> None:
    page = open_page(user, PHONE)
    page.goto(f"{live.url}{path}")
    _settled(page, path)
    found = page.evaluate(_LAYOUT)
    assert found["overflow"] <= 1, f"{path} is wider than the phone by {found['overflow']}px"
    assert not found["squeezed"], f"{path} squeezes cells: {found['squeezed']}"


def test_phone_orders_are_cards_with_labels(open_page, live) -> None:
    page = open_page("staff", PHONE)
    page.goto(f"{live.url}/orders")
    _settled(page, "/orders")
    cell = page.locator("table.rtable tbody tr").first.locator("td[data-label]").nth(2)
    assert page.evaluate("el => getComputedStyle(el, '::before').content", cell.element_handle()) != "none"
    assert page.locator("table.rtable thead").bounding_box()["height"] <= 1


def test_desktop_dashboard_priority_table_is_not_clipped(open_page, live) -> None:
    page = open_page("county", DESKTOP)
    page.goto(f"{live.url}/dashboard")
    _settled(page, "/dashboard")
    wrap = page.locator("section[aria-labelledby=pri-h] .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 1
    assert page.locator("table.rtable thead").first.is_visible()


@pytest.mark.parametrize("width", [1024, 1440])
def test_every_navigation_link_is_in_sight_on_wider_screens(open_page, live, width: int) -> None:
    # The admin in English has the most and the longest links; none may sit past the edge of the bar.
    page = open_page("admin", {"width": width, "height": 900})
    page.goto(f"{live.url}/dashboard?lang=en")
    try:
        hidden = page.evaluate(
            """() => { const bar = document.querySelector('.nav ul').getBoundingClientRect();
            return [...document.querySelectorAll('.nav a')].filter(a => {
              const r = a.getBoundingClientRect(); return r.right > bar.right + 1 || r.left < bar.left - 1;
            }).map(a => a.textContent.trim()); }"""
        )
    finally:
        # The account keeps the language it switched to: give the admin Chinese back for the tests after this one.
        page.goto(f"{live.url}/dashboard?lang=zh_Hans_CN")
    assert hidden == []
