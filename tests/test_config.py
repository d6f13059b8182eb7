"""Settings: typed, grouped, read from the environment when the app is built, and every key read is declared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import config
from app import create_app

ROOT = Path(__file__).resolve().parent.parent
# config["KEY"], config.get("KEY") and app.config["KEY"] as the code reads them.
KEY_READ = re.compile(r"config(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]+)\"")
FLASK_KEYS = {"PROPAGATE_EXCEPTIONS"}


def test_booleans_numbers_and_lists_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DIANDAN_REDISPATCH_ON_DECLINE", "no")
    monkeypatch.setenv("DIANDAN_NOTIFY_ENABLED", "true")
    monkeypatch.setenv("DIANDAN_SMTP_SSL", "yes")
    monkeypatch.setenv("DIANDAN_DISPATCH_TIME_LIMIT_S", "2.5")
    monkeypatch.setenv("DIANDAN_NOTIFY_CHANNELS", "log, email")
    monkeypatch.setenv("DIANDAN_DISPATCH_DUMP_DIR", "/tmp/plans")
    monkeypatch.setenv("DIANDAN_SCHEDULER_MISFIRE_GRACE_S", "")
    app = create_app("config.Config")
    assert app.config["REDISPATCH_ON_DECLINE"] is False
    assert app.config["NOTIFY_ENABLED"] is True and app.config["SMTP_SSL"] is True
    assert app.config["DISPATCH_TIME_LIMIT_S"] == 2.5
    assert app.config["NOTIFY_CHANNELS"] == ["log", "email"]
    assert app.config["DISPATCH_DUMP_DIR"] == "/tmp/plans"
    assert app.config["SCHEDULER_MISFIRE_GRACE_S"] is None


def test_a_bad_value_stops_the_start_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("DIANDAN_DISPATCH_TIME_LIMIT_S", "ten")
    monkeypatch.setenv("DIANDAN_SCHEDULE_ROSTER_TIME", "25:00")
    monkeypatch.setenv("DIANDAN_ESCALATE_WHEN_UNSERVED", "maybe")
    with pytest.raises(config.SettingsError) as raised:
        create_app("config.Config")
    message = str(raised.value)
    assert "DIANDAN_DISPATCH_TIME_LIMIT_S='ten'" in message
    assert "DIANDAN_SCHEDULE_ROSTER_TIME='25:00'" in message
    assert "DIANDAN_ESCALATE_WHEN_UNSERVED='maybe'" in message


def test_database_url_is_read_under_its_own_name_and_points_at_psycopg3(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://diandan@db.example/diandan")
    assert config.load_settings()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://diandan@db.example/diandan"


def test_every_setting_is_declared_once() -> None:
    names = [name for group in config.SETTINGS_GROUPS for name in group.model_fields]
    assert len(names) == len(set(names))
    flask_keys = {name for name in vars(config.Config) if name.isupper()}
    assert not flask_keys & set(names)


def test_every_key_the_code_reads_is_declared() -> None:
    declared = {name for group in config.SETTINGS_GROUPS for name in group.model_fields}
    declared |= {name for name in dir(config.TestingConfig) if name.isupper()} | FLASK_KEYS
    read = {
        (path.relative_to(ROOT).as_posix(), key)
        for folder in ("app", "schedules")
        for path in (ROOT / folder).rglob("*.py")
        for key in KEY_READ.findall(path.read_text(encoding="utf-8"))
    }
    assert read, "the pattern should find the code's reads"
    assert sorted((path, key) for path, key in read if key not in declared) == []
