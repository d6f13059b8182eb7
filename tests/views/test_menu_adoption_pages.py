"""The menu management page: a county sees its own items and the shared templates, and adopts a template."""

from __future__ import annotations

from app.extensions import db
from app.menu.models import MenuItem
from tests.factories import build_second_county


def test_a_county_adopts_a_shared_template_from_the_menu_page(pages, world) -> None:
    build_second_county(world)
    template = world.menu_item("MI-15")
    template.station_id = None
    db.session.commit()
    pages.login("county2")
    listing = pages.get("/manage/menu").get_data(as_text=True)
    assert "共享模板" in listing and "采用为本县菜单" in listing
    assert "MI-01" not in listing  # the first county's own items are not this county's business
    assert pages.get(f"/manage/menu/{template.id}").status_code == 403
    done = pages.post(f"/manage/menu/{template.id}/adopt", follow_redirects=True)
    assert done.status_code == 200
    assert "已采用" in done.get_data(as_text=True)
    copy = db.session.scalar(db.select(MenuItem).where(MenuItem.adopted_from_id == template.id))
    assert copy.station_id == world.stations["XJ"].id
    assert pages.get(f"/manage/menu/{copy.id}").status_code == 200
