"""The audit log as CSV (UTF-8 with BOM), every cell neutralised for spreadsheets."""

from __future__ import annotations

import csv
import io
import json

from app.audit.models import AuditEntry
from app.core.exports import safe_cell
from app.core.timeutil import to_local

HEADERS = [
    "时间",
    "用户",
    "角色",
    "操作",
    "结果",
    "对象",
    "对象编号",
    "站点编号",
    "IP",
    "浏览器",
    "方法",
    "路径",
    "详情",
]


def csv_bytes(entries: list[AuditEntry]) -> bytes:
    """One row per entry, times in Asia/Shanghai."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for entry in entries:
        row = [
            to_local(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_username,
            entry.actor_role,
            entry.action,
            entry.outcome,
            entry.target_type,
            entry.target_id,
            entry.station_id,
            entry.ip,
            entry.user_agent,
            entry.method,
            entry.path,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
