"""Exports of coverage, gaps and contributions as CSV (UTF-8 with BOM) and XLSX, with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.exports import safe_cell
from app.coverage.service import (
    ContributionReport,
    CoverageReport,
    Figures,
    GapReport,
    TeamContribution,
    VolunteerContribution,
)
from app.orders.models import RATING_TAGS

LEVEL_ZH = {"county": "县中心", "township": "乡镇所", "village": "村站"}
ALL_ZH = "合计"
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIGURE_HEADERS = [
    "订单数",
    "已服务",
    "已取消",
    "已过期",
    "进行中",
    "完成率",
    "接单用时中位数(分钟)",
    "服务用时中位数(分钟)",
    "平均评分",
    "评价数",
]


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet name), headers, rows, and which columns are fractions to show as %."""

    title: str
    headers: list[str]
    rows: list[list[Any]]
    percent_columns: frozenset[int] = field(default_factory=frozenset)


def _figure_cells(figures: Figures) -> list[Any]:
    return [
        figures.orders,
        figures.served,
        figures.cancelled,
        figures.expired,
        figures.open,
        figures.fulfilment,
        figures.median_accept_minutes,
        figures.median_serve_minutes,
        figures.avg_rating,
        figures.ratings,
    ]


def coverage_sheet(report: CoverageReport) -> Sheet:
    """Per station: one row per priority and a total; then the whole scope per priority and in total."""
    headers = ["站点编码", "站点名称", "层级", "实践重点", *FIGURE_HEADERS]
    rows: list[list[Any]] = []
    for station in report.stations:
        prefix = [station.code, station.name, LEVEL_ZH.get(station.level, station.level)]
        for priority in report.priorities:
            rows.append([*prefix, priority.name_zh, *_figure_cells(station.by_priority[priority.code])])
        rows.append([*prefix, ALL_ZH, *_figure_cells(station.total)])
    scope = [ALL_ZH, "全部站点", ""]
    for priority in report.priorities:
        rows.append([*scope, priority.name_zh, *_figure_cells(report.by_priority[priority.code])])
    rows.append([*scope, ALL_ZH, *_figure_cells(report.total)])
    return Sheet(title="覆盖情况", headers=headers, rows=rows, percent_columns=frozenset({9}))


def gaps_sheet(report: GapReport) -> Sheet:
    """One row per station and priority left uncovered."""
    headers = ["站点编码", "站点名称", "层级", "实践重点", "最近服务日期", "窗口内订单数"]
    rows = [
        [
            gap.station_code,
            gap.station_name,
            LEVEL_ZH.get(gap.level, gap.level),
            gap.priority_name_zh,
            gap.last_served_on.isoformat() if gap.last_served_on else "",
            gap.orders_in_window,
        ]
        for gap in report.gaps
    ]
    return Sheet(title=f"空白点(近{report.days}天)", headers=headers, rows=rows)


# The work figures a volunteer row and a team row both report, in this order (the six tag counts come last).
WORK_HEADERS = ["服务订单数", "服务时长(小时)", "积分", "平均星级", "评价数"]


def _work(row: VolunteerContribution | TeamContribution) -> list[object]:
    return [row.orders_served, row.hours, row.points, row.avg_stars, row.ratings]


def _tags(row: VolunteerContribution | TeamContribution) -> list[object]:
    return [row.tags[tag] for tag in RATING_TAGS]


def volunteers_sheet(report: ContributionReport) -> Sheet:
    """One row per volunteer, most points first."""
    headers = ["志愿者编号", "姓名", "所属队伍", *WORK_HEADERS, "五星数", *RATING_TAGS]
    rows = [[v.code, v.name, v.team_name or "", *_work(v), v.five_star, *_tags(v)] for v in report.volunteers]
    return Sheet(title="志愿者", headers=headers, rows=rows)


def teams_sheet(report: ContributionReport) -> Sheet:
    """One row per team, most points first."""
    headers = ["队伍编号", "队伍名称", "层级", "志愿者人数", *WORK_HEADERS, *RATING_TAGS]
    rows = [[t.code, t.name, LEVEL_ZH.get(t.level, t.level), t.volunteers, *_work(t), *_tags(t)] for t in report.teams]
    return Sheet(title="队伍", headers=headers, rows=rows)


def to_csv(sheet: Sheet) -> bytes:
    """CSV bytes with a UTF-8 BOM, which Excel needs to read Chinese correctly; empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook with one worksheet per sheet: bold frozen header, fractions shown as percentages."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        # Excel refuses sheet titles over 31 characters or with []:*?/\ in them.
        title = "".join(ch for ch in sheet.title if ch not in "[]:*?/\\")[:31]
        worksheet = workbook.create_sheet(title=title)
        worksheet.append(sheet.headers)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        for row in sheet.rows:
            worksheet.append([None if value is None else safe_cell(value) for value in row])
        for column in sheet.percent_columns:
            for (cell,) in worksheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = "0.0%"
        for index, header in enumerate(sheet.headers, start=1):
            letter = worksheet.cell(row=1, column=index).column_letter
            # CJK characters are about two columns wide in Excel.
            worksheet.column_dimensions[letter].width = max(8, 2 * len(header) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
