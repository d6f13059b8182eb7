"""Roster exports survive control characters and neutralise formulas in names (issue 13 row 16)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from app.extensions import db
from tests.rosters.test_api import two_jobs  # noqa: F401  (fixture)

HOSTILE = '=HYPERLINK("http://evil.example","点我")\x07\x1b'


def test_csv_and_xlsx_with_a_hostile_volunteer_name(client, token_for, two_jobs) -> None:  # noqa: F811
    world, jobs = two_jobs
    crew_member = world.volunteers["v2"]
    # Stored before input guards existed, or by a direct import: the export must cope either way.
    crew_member.name = HOSTILE
    db.session.commit()
    headers = token_for("volunteer")
    volunteer_id = world.volunteers["v1"].id
    csv_response = client.get(f"/api/v1/rosters/volunteer/{volunteer_id}.csv?week=2026-W49", headers=headers)
    assert csv_response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert not any(ch in "".join(cells) for ch in "\x07\x1b")
    xlsx = client.get(f"/api/v1/rosters/volunteer/{volunteer_id}.xlsx?week=2026-W49", headers=headers)
    assert xlsx.status_code == 200
    values = [v for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for v in row]
    texts = [v for v in values if isinstance(v, str)]
    assert any("HYPERLINK" in v for v in texts)
    assert not any(v.startswith(("=", "+", "-", "@")) for v in texts)
