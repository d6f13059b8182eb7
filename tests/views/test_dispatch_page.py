"""The dispatch page reads right while a run waits: figures are the last finished run's, a run not finished shows
no zeros, a long list of unplaced orders is cut short, and a second pass across county lines says what it is."""

from __future__ import annotations

from datetime import timedelta

from app.core.timeutil import utcnow
from app.dispatch.models import DispatchRun
from app.extensions import db as _db


def test_the_figures_are_the_last_finished_runs_and_a_waiting_run_shows_none(pages, world) -> None:
    county = world.stations["PY"]
    earlier = utcnow() - timedelta(minutes=5)
    unplaced = [{"order": f"DD{i:03d}", "code": "no_team", "reason": "no team", "params": {}} for i in range(12)]
    done = DispatchRun(
        county=county, status="done", started_at=earlier, orders_considered=777, orders_proposed=765,
        orders_unassigned=12, details={"unassigned": unplaced},
    )  # fmt: skip
    border = DispatchRun(county=county, kind="border", status="done", started_at=earlier, orders_considered=3)
    queued = DispatchRun(county=county, status="queued", queued_at=utcnow(), started_at=utcnow())
    _db.session.add_all([done, border, queued])
    _db.session.commit()
    pages.login("county")
    html = pages.get("/dispatch").get_data(as_text=True)
    figures = html.split('data-testid="last-run"', 1)[1].split("</div>\n", 1)[0]
    assert "上次完成的派单" in html and ">3<" in figures  # the border run finished last (highest id)
    assert "跨县第二轮派单" in html
    rows = html.split("<tbody>")[-1]
    waiting_row = rows.split("</tr>")[0]
    assert f">{queued.id}<" in waiting_row and '<td class="num muted" data-label="参与计算">–</td>' in waiting_row
    assert ">777<" in rows


def test_a_long_list_of_unplaced_orders_is_cut_at_ten(pages, world) -> None:
    unplaced = [{"order": f"DD{i:03d}", "code": "no_team", "reason": "no team", "params": {}} for i in range(12)]
    _db.session.add(
        DispatchRun(county=world.stations["PY"], status="done", orders_unassigned=12, details={"unassigned": unplaced})
    )
    _db.session.commit()
    pages.login("county")
    html = pages.get("/dispatch").get_data(as_text=True)
    assert "DD009" in html and "DD010" not in html and "另有 2 个订单未能派出" in html
