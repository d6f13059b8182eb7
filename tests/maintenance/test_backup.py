"""`diandan backup` / `diandan restore` round trips on SQLite and PostgreSQL; destructive commands ask first
(issue 13 row 15)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from app.stations.models import Station
from config import normalize_database_url

PG_URL = os.environ.get("TEST_MIGRATE_DATABASE_URL")


def _app_on(url: str):
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI=normalize_database_url(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def _stations(app) -> list[str]:
    with app.app_context():
        names = [row[0] for row in db.session.execute(text("SELECT code FROM stations ORDER BY code"))]
        db.session.remove()
        return names


def _round_trip(app, tmp_path) -> None:
    with app.app_context():
        db.session.add(Station(code="BK", name="备份站", level="county", lat=35.8, lon=106.6))
        db.session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "diandan.backup"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0
    with app.app_context():
        db.session.execute(text("DELETE FROM stations"))
        db.session.add(Station(code="LATE", name="之后", level="county", lat=35.8, lon=106.6))
        db.session.commit()
        db.session.remove()
    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and _stations(app) == ["LATE"]
    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _stations(app) == ["BK"]


def test_sqlite_round_trip(tmp_path) -> None:
    app = _app_on(f"sqlite:///{tmp_path / 'live.db'}")
    _round_trip(app, tmp_path)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="TEST_MIGRATE_DATABASE_URL not set")
def test_postgres_round_trip(tmp_path) -> None:
    engine = create_engine(normalize_database_url(PG_URL))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    app = _app_on(PG_URL)
    try:
        _round_trip(app, tmp_path)
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_demo_reset_asks_unless_yes(app, world) -> None:
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "load", "--reset", "--volunteers", "10", "--orders", "0"], input="n\n")
    assert refused.exit_code != 0 and "deletes ALL data" in refused.output
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM users WHERE username = 'county'")) == 1


def test_a_failed_backup_or_restore_is_the_command_error_not_a_traceback(tmp_path) -> None:
    memory = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI="sqlite://")
    made = memory.test_cli_runner().invoke(args=["backup", str(tmp_path / "none.backup")])
    assert made.exit_code == 1 and "Error: an in-memory SQLite database cannot be backed up" in made.output
    app = _app_on(f"sqlite:///{tmp_path / 'live.db'}")
    junk = tmp_path / "junk.backup"
    junk.write_text("not a database")
    restored = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert restored.exit_code == 1 and f"Error: {junk} is not a SQLite backup" in restored.output
    with app.app_context():
        db.engine.dispose()
