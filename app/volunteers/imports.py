"""Bulk import of volunteers from a CSV or XLSX register: read, check every row, preview, then commit.

The commit is all-or-nothing by default: a file with any faulty row is refused. Staff may instead confirm,
after seeing the per-row errors, that only the valid rows be imported (the faulty ones are skipped and listed).
"""

from __future__ import annotations

import re

from app.accounts.access import authorize, scope_station_ids
from app.accounts.models import User
from app.audit.service import record
from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.core.uploads import (
    RowCheck,
    UploadPreview,
    claim_upload,
    column_names,
    count_created,
    keep_upload,
    own_upload,
    read_table,
    table_rows,
)
from app.extensions import db
from app.menu.models import Skill
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer, VolunteerImport

COLUMNS = ("code", "name", "phone", "station", "team", "skills", "max_orders_per_week", "max_km")
# Spreadsheet headings, Chinese or English, and the column each names.
HEADINGS = {
    "code": "code", "编号": "code", "志愿者编号": "code",
    "name": "name", "姓名": "name",
    "phone": "phone", "电话": "phone", "手机": "phone", "手机号": "phone",
    "station": "station", "站点": "station", "站点编号": "station", "所属站点": "station",
    "team": "team", "队伍": "team", "队伍编号": "team", "服务队": "team",
    "skills": "skills", "技能": "skills",
    "max_orders_per_week": "max_orders_per_week", "每周最多": "max_orders_per_week",
    "每周最多单数": "max_orders_per_week",
    "max_km": "max_km", "最远距离": "max_km", "最远公里": "max_km", "最远距离（公里）": "max_km",
}  # fmt: skip
_SKILL_SPLIT = re.compile(r"[,，、;；\s]+")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")

ImportPreview = UploadPreview[VolunteerImport]


def read_rows(*, filename: str, content: bytes) -> list[dict]:
    """The rows of a CSV or XLSX file as dicts keyed by column, each with its line number in the file."""
    table = read_table(filename=filename, content=content)
    header = column_names(table[0], HEADINGS)
    missing = [c for c in ("code", "name", "station") if c not in header]
    if missing:
        raise ValidationFailed("the first row must name the columns code, name and station", field="file")
    return table_rows(table, header, COLUMNS)


class _Lookups:
    """Stations, teams, skills and taken codes, loaded once for a whole file."""

    def __init__(self, user: User) -> None:
        ids = scope_station_ids(user)
        stations = list(db.session.scalars(db.select(Station)))
        self.stations = {}
        for s in stations:
            if ids is None or s.id in ids:
                self.stations[s.code] = s
                self.stations.setdefault(s.name, s)
        teams = list(db.session.scalars(db.select(Team).where(Team.active.is_(True))))
        self.teams = {}
        for t in teams:
            if ids is None or t.station_id in ids:
                self.teams[t.code] = t
                self.teams.setdefault(t.name, t)
        self.skills = {}
        for skill in db.session.scalars(db.select(Skill)):
            self.skills[skill.code] = skill
            self.skills.setdefault(skill.name_zh, skill)
            self.skills.setdefault(skill.name_en.lower(), skill)
        self.taken = set(db.session.scalars(db.select(Volunteer.code)))


def check_rows(*, user: User, rows: list[dict]) -> list[RowCheck]:
    """Every row checked against the rules a volunteer created one by one would meet, and against the others."""
    lookups = _Lookups(user)
    seen: dict[str, int] = {}
    checks = []
    for row in rows:
        check = RowCheck(line=row["line"], values={c: row.get(c, "") for c in COLUMNS})
        _check_row(check, lookups, seen)
        checks.append(check)
    return checks


def _check_row(check: RowCheck, lookups: _Lookups, seen: dict[str, int]) -> None:
    v, errors = check.values, check.errors
    code = v["code"]
    if not code:
        errors["code"] = "a code is required"
    elif len(code) > 40:
        errors["code"] = "the code is longer than 40 characters"
    elif code in lookups.taken:
        errors["code"] = "a volunteer with this code exists already"
    elif code in seen:
        errors["code"] = "this code is also on another row of the file"
    else:
        seen[code] = check.line
    if not v["name"]:
        errors["name"] = "a name is required"
    elif len(v["name"]) > 80:
        errors["name"] = "the name is longer than 80 characters"
    if v["phone"] and not _PHONE.match(v["phone"]):
        errors["phone"] = "the phone number is not valid"
    station = lookups.stations.get(v["station"])
    if station is None:
        errors["station"] = "no station with this code in your area"
    if v["team"]:
        team = lookups.teams.get(v["team"])
        if team is None:
            errors["team"] = "no active team with this code in your area"
    skills = [s for s in _SKILL_SPLIT.split(v["skills"]) if s]
    if any(lookups.skills.get(s, lookups.skills.get(s.lower())) is None for s in skills):
        errors["skills"] = "a skill is not on the list of skills"
    weekly = v["max_orders_per_week"]
    if weekly and (not weekly.isdigit() or int(weekly) > 50):
        errors["max_orders_per_week"] = "most orders per week must be a whole number from 0 to 50"
    if v["max_km"]:
        try:
            km = float(v["max_km"])
        except ValueError:
            km = -1.0
        if not 0.1 <= km <= 1000:
            errors["max_km"] = "the farthest distance must be a number of km from 0.1 to 1000"


def preview_import(*, user: User, filename: str, content: bytes) -> ImportPreview:
    """Read and check an uploaded register and keep it until the staff member confirms it."""
    authorize(user, "volunteers.create")
    rows = read_rows(filename=filename, content=content)
    upload = keep_upload(VolunteerImport, user_id=user.id, filename=filename, rows=rows)
    return ImportPreview(upload=upload, rows=check_rows(user=user, rows=rows))


def get_import(*, user: User, import_id: int) -> ImportPreview:
    """An upload by this user, its rows checked again against the register as it is now."""
    authorize(user, "volunteers.create")
    upload = own_upload(VolunteerImport, user_id=user.id, upload_id=import_id)
    return ImportPreview(upload=upload, rows=check_rows(user=user, rows=upload.rows))


def commit_import(*, user: User, import_id: int, skip_invalid: bool = False) -> ImportPreview:
    """Create the volunteers of a previewed upload, once; all rows or none unless told to skip the faulty ones."""
    preview = get_import(user=user, import_id=import_id)
    claim_upload(preview, skip_invalid=skip_invalid)
    lookups = _Lookups(user)
    created = []
    for check in preview.rows:
        if not check.ok:
            continue
        v = check.values
        team = lookups.teams.get(v["team"]) if v["team"] else None
        volunteer = Volunteer(
            code=v["code"],
            name=v["name"],
            phone=v["phone"] or None,
            station=lookups.stations[v["station"]],
            team=team,
            max_orders_per_week=int(v["max_orders_per_week"] or 3),
            max_km=float(v["max_km"]) if v["max_km"] else None,
            joined_at=utcnow(),
        )
        codes = [s for s in _SKILL_SPLIT.split(v["skills"]) if s]
        found = (lookups.skills.get(c) or lookups.skills.get(c.lower()) for c in codes)
        volunteer.skills = list({id(k): k for k in found if k is not None}.values())
        created.append(volunteer)
    db.session.add_all(created)
    count_created(preview, created=len(created))
    _audit(user, preview.upload)
    return preview


def _audit(user: User, upload: VolunteerImport) -> None:
    """Hand the import to the audit log: who imported which file, how many rows."""
    record(
        "volunteers.imported",
        actor=user,
        target_type="volunteer_import",
        target_id=upload.id,
        details={"filename": upload.filename, "created": upload.created_count, "skipped": upload.skipped_count},
    )
