"""Rosters outside the browser: iCalendar feeds, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vDuration

from app.core.exports import safe_cell
from app.core.timeutil import LOCAL_TZ_NAME, to_local
from app.menu.models import MODE_LABELS_ZH
from app.rosters.service import FeedItem, Owner


def _crew_text(entry: dict[str, Any]) -> str:
    return "、".join(f"{c['name']}（{c['skill']}）" for c in entry["crew"])


# Phones remind the crew this long before a job starts (time to travel to a village station).
ALARM_BEFORE = timedelta(hours=1)


def _reminder(title: str) -> Alarm:
    """A display alarm before the job starts."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm


def calendar_bytes(*, owner: Owner, items: list[FeedItem]) -> bytes:
    """An iCalendar feed: one VEVENT per job with a stable UID; cancelled jobs carry STATUS:CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//Diandan//Roster//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{owner.name} · 点单排班")
    calendar.add("x-wr-timezone", LOCAL_TZ_NAME)
    # Calendar apps that honour these poll hourly rather than daily.
    # A vDuration so it is written as RFC 7986 wants (PT1H); a plain timedelta would come out as "1:00:00".
    calendar.add("refresh-interval", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in items:
        entry = item.entry
        event = Event()
        event.add("uid", entry["uid"])
        event.add("dtstamp", item.stamp)
        event.add("last-modified", item.stamp)
        event.add("sequence", item.sequence)
        event.add("dtstart", datetime.fromisoformat(entry["start_at"]))
        event.add("dtend", datetime.fromisoformat(entry["end_at"]))
        title = entry["title"] if not item.cancelled else f"[已取消] {entry['title']}"
        event.add("summary", title)
        event.add("location", " ".join(p for p in (entry["station"], entry["address"]) if p))
        event.add("geo", (item.lat, item.lon))
        lines = [f"点单 {entry['order_code']}", f"服务队：{entry['team']}", f"人员：{_crew_text(entry)}"]
        if entry.get("skill"):
            lines.insert(1, f"我的任务：{entry['skill']}")
        event.add("description", "\n".join(lines))
        event.add("categories", [MODE_LABELS_ZH.get(entry["mode"], entry["mode"])])
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        if not item.cancelled:
            event.add_component(_reminder(entry["title"]))
        calendar.add_component(event)
    return calendar.to_ical()


def table_rows(entries: list[dict[str, Any]], *, with_task: bool) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a roster table, times in local time."""
    header = [_("Date"), _("Start"), _("End"), _("Service"), _("Mode"), _("Station"), _("Address"), _("Order")]
    header += [_("Team"), _("Crew")] + ([_("My task")] if with_task else [])
    rows = []
    for entry in entries:
        start = to_local(datetime.fromisoformat(entry["start_at"]))
        end = to_local(datetime.fromisoformat(entry["end_at"]))
        row = [
            start.strftime("%Y-%m-%d"),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            entry["title"],
            MODE_LABELS_ZH.get(entry["mode"], entry["mode"]),
            entry["station"],
            entry["address"],
            entry["order_code"],
            entry["team"],
            _crew_text(entry),
        ]
        if with_task:
            row.append(entry.get("skill", ""))
        rows.append(row)
    return header, rows


def csv_bytes(entries: list[dict[str, Any]], *, with_task: bool) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so spreadsheet apps set to GBK still read the Chinese right."""
    header, rows = table_rows(entries, with_task=with_task)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(entries: list[dict[str, Any]], *, with_task: bool, title: str) -> bytes:
    """An XLSX workbook with one sheet: bold header, frozen first row, columns sized to fit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = table_rows(entries, with_task=with_task)
    workbook = Workbook()
    sheet = workbook.active
    # Sheet titles may not hold []:*?/\ and are at most 31 characters.
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "roster"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max((len(str(cell.value or "")) for cell in column), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
