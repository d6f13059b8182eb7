"""Readiness: each dependency the service needs, checked quickly, each with a plain answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app

from app.extensions import db
from app.scheduling.service import leader_heartbeat


@dataclass(frozen=True)
class Check:
    """One dependency: whether it is fine and what was seen."""

    name: str
    ok: bool
    detail: str


@cache
def _migration_heads(directory: str) -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _migrations_dir() -> str:
    return str(Path(current_app.extensions["migrate"].directory).resolve())


def check_database() -> Check:
    """The database answers."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any failure means not ready)
        db.session.rollback()
        return Check("database", False, type(error).__name__)
    return Check("database", True, "ok")


def check_migrations() -> Check:
    """The database schema is at the code's migration head."""
    try:
        current = set(db.session.scalars(db.text("SELECT version_num FROM alembic_version")))
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Check("migrations", False, f"no migration record ({type(error).__name__})")
    heads = _migration_heads(_migrations_dir())
    if current != heads:
        at = ",".join(sorted(current)) or "-"
        return Check("migrations", False, f"at {at}, code needs {','.join(sorted(heads))}")
    return Check("migrations", True, ",".join(sorted(heads)))


def check_scheduler(*, now: datetime) -> Check:
    """A scheduler leader said it was alive recently."""
    try:
        beat = leader_heartbeat()
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Check("scheduler", False, type(error).__name__)
    if beat is None:
        return Check("scheduler", False, "no scheduler leader has reported")
    age = (now - beat).total_seconds()
    if age > current_app.config["SCHEDULER_STALE_S"]:
        return Check("scheduler", False, f"last heartbeat {age:.0f} s ago")
    return Check("scheduler", True, f"last heartbeat {age:.0f} s ago")


def check_broker() -> Check | None:
    """The Celery broker answers (None when no broker is configured)."""
    url = current_app.config["BROKER_URL"]
    if not url:
        return None
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1) as connection:
            connection.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # noqa: BLE001
        return Check("broker", False, type(error).__name__)
    return Check("broker", True, "ok")


def readiness(*, now: datetime) -> list[Check]:
    """Every readiness check, in order; the database ones stop early when the database is down."""
    database = check_database()
    checks = [database]
    if database.ok:
        checks += [check_migrations(), check_scheduler(now=now)]
    broker = check_broker()
    if broker is not None:
        checks.append(broker)
    return checks
