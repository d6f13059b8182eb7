"""Time helpers: everything is stored as aware UTC and shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The one time zone the service shows and plans in (config, Babel, the scheduler and feeds all use it).
LOCAL_TZ_NAME = "Asia/Shanghai"
LOCAL_TZ = ZoneInfo(LOCAL_TZ_NAME)

_clock_override: datetime | None = None


def utcnow() -> datetime:
    """The current time as aware UTC (tests may freeze it with set_clock)."""
    if _clock_override is not None:
        return _clock_override
    return datetime.now(UTC)


def set_clock(moment: datetime | None) -> None:
    """Freeze utcnow() at a moment, or unfreeze it with None (tests and replays)."""
    global _clock_override
    if moment is not None and moment.tzinfo is None:
        raise ValueError("clock must be aware")
    _clock_override = moment.astimezone(UTC) if moment is not None else None


def to_local(moment: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai."""
    return moment.astimezone(LOCAL_TZ)


def local_midnight(day: date) -> datetime:
    """Midnight of a local calendar day, as aware datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def week_start(moment: datetime) -> date:
    """The local Monday of the week holding a moment."""
    local = to_local(moment).date()
    return local - timedelta(days=local.weekday())


def iso_week_label(day: date) -> str:
    """ISO week label such as 2026-W49."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(label: str) -> date:
    """The Monday of an ISO week label such as 2026-W49."""
    year_s, week_s = label.split("-W")
    return date.fromisocalendar(int(year_s), int(week_s), 1)
