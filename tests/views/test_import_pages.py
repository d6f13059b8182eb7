"""The two import pages (volunteer register, household list): upload, the checked preview, confirming once."""

from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from app.visits.models import Household
from app.volunteers.models import Volunteer

VOLUNTEERS = "编号,姓名,电话,站点\nN001,马兰,13900000001,PY-BY-01\nN002,,12ab,PY-BY-01\n"
HOUSEHOLDS = (
    "编号,地址,纬度,经度,标签,站点\nH001,白阳镇阳洼村三组12号,35.87,106.66,独居老人,PY-BY-01\n"
    "H002,,35.87,106.66,,NONE\n"
)
KINDS = {
    "volunteers": ("/volunteers/import", VOLUNTEERS, Volunteer, "Import volunteers", "Import 1 volunteers",
                   "1 volunteers imported; 1 rows left out.", "See the volunteers", "马兰", "139****0001"),
    "households": ("/visits/households/import", HOUSEHOLDS, Household, "Import households", "Import 1 households",
                   "1 households imported; 1 rows left out.", "See the household list", "H001", "白阳***"),
}  # fmt: skip


def _upload(pages, url: str, text: str, name: str = "list.csv"):  # noqa: ANN001
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return pages.post(f"{url}?lang=en", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_upload_preview_and_confirm_in_english(pages, world, kind: str) -> None:
    url, text, model, heading, button, done, link, shown, masked = KINDS[kind]
    pages.login("town")
    form = pages.get(f"{url}?lang=en").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in form and "Check the file" in form and "<code>station</code>" in form
    refused = _upload(pages, url, text, name="list.txt").get_data(as_text=True)
    assert "the file must be .csv or .xlsx" in refused and 'role="alert"' in refused
    sent = _upload(pages, url, text)
    assert sent.status_code == 302 and re.search(rf"{url}/\d+$", sent.headers["Location"])
    preview = pages.get(sent.headers["Location"]).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in preview and "list.csv" in preview
    assert 'data-testid="valid">1<' in preview and 'data-testid="invalid">1<' in preview
    assert shown in preview and masked in preview and "Some rows have errors" in preview
    assert "13900000001" not in preview and "三组12号" not in preview
    assert button in preview and 'class="row-error"' in preview
    before = db.session.scalar(db.select(db.func.count(model.id)))
    # Confirming all rows while some have errors is refused and leaves the upload to be confirmed again.
    all_rows = pages.post(sent.headers["Location"], data={}, follow_redirects=True).get_data(as_text=True)
    assert "some rows have errors" in all_rows and button in all_rows
    assert db.session.scalar(db.select(db.func.count(model.id))) == before
    confirmed = pages.post(sent.headers["Location"], data={"skip_invalid": "y"}, follow_redirects=True)
    page = confirmed.get_data(as_text=True)
    assert done in page and link in page and 'data-testid="created">1<' in page
    assert db.session.scalar(db.select(db.func.count(model.id))) == before + 1
    again = pages.post(sent.headers["Location"], data={"skip_invalid": "y"}, follow_redirects=True)
    assert "this import has already been committed" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(model.id))) == before + 1


def test_a_long_volunteer_register_is_shown_a_page_at_a_time_or_only_its_faulty_rows(pages, world) -> None:
    rows = "".join(f"N{i:03d},队员{i},,PY-BY-01\n" for i in range(150))
    pages.login("town")
    sent = _upload(pages, "/volunteers/import", "编号,姓名,电话,站点\n" + rows + "N999,,,PY-BY-01\n")
    url = sent.headers["Location"]
    first = pages.get(f"{url}?lang=en").get_data(as_text=True)
    assert "Page 1 of 2" in first and f'href="{url}?page=2"' in first and "N099" in first and "N100" not in first
    assert f'href="{url}?show=errors"' in first
    faulty = pages.get(f"{url}?show=errors").get_data(as_text=True)
    assert "N999" in faulty and "N000" not in faulty and f'href="{url}?show=all"' in faulty
