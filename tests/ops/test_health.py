"""Liveness and readiness probes, request ids and JSON log lines."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from app import create_app
from app.core.logs import JsonFormatter
from app.core.timeutil import utcnow
from app.extensions import db
from app.ops.service import _migration_heads, _migrations_dir
from app.scheduling.models import Heartbeat
from app.scheduling.service import record_heartbeat
from schedules.process import run_scheduler


def _stamp_head() -> None:
    """Record the code's migration head, as `diandan db upgrade` would (tests build tables with create_all)."""
    db.session.execute(db.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(db.text("DELETE FROM alembic_version"))
    for head in _migration_heads(_migrations_dir()):
        db.session.execute(db.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    db.session.commit()


@pytest.fixture()
def stamped(db) -> Iterator[None]:
    _stamp_head()
    yield
    db.session.rollback()
    db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def test_liveness_needs_nothing(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_with_database_migrations_and_a_live_scheduler(client, stamped) -> None:
    record_heartbeat(host="test:1", now=utcnow())
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    checks = response.get_json()["checks"]
    assert set(checks) == {"database", "migrations", "scheduler"}
    assert all(c["ok"] for c in checks.values())


def test_not_ready_without_a_scheduler(client, stamped) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"] == {"ok": False, "detail": "no scheduler leader has reported"}


def test_not_ready_when_the_scheduler_heartbeat_is_stale(app, client, stamped) -> None:
    record_heartbeat(host="test:1", now=utcnow() - timedelta(seconds=app.config["SCHEDULER_STALE_S"] + 5))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["ok"] is False
    assert response.get_json()["checks"]["database"]["ok"] is True


def test_not_ready_when_migrations_are_behind(client, stamped) -> None:
    record_heartbeat(host="test:1", now=utcnow())
    db.session.execute(db.text("UPDATE alembic_version SET version_num = '765c130c3daf'"))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "765c130c3daf" in response.get_json()["checks"]["migrations"]["detail"]


def test_not_ready_when_the_database_is_down() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    down = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False
    assert down.test_client().get("/healthz").status_code == 200
    with down.app_context():
        db.engine.dispose()


def test_the_scheduler_leader_beats_while_it_runs_and_clears_when_it_stops(shared_app: Flask) -> None:
    shared_app.config.update(SCHEDULER_JOBS=["housekeeping"], SCHEDULER_HEARTBEAT_S=0.1)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_scheduler, args=(shared_app,), kwargs={"stop": stop, "say": lambda _: None, "handle_signals": False}
    )
    thread.start()
    try:
        with shared_app.app_context():
            deadline = time.monotonic() + 30
            while db.session.get(Heartbeat, "scheduler") is None:
                assert time.monotonic() < deadline, "no heartbeat"
                db.session.rollback()
                time.sleep(0.05)
            first = db.session.get(Heartbeat, "scheduler").beat_at
            while db.session.get(Heartbeat, "scheduler").beat_at == first:
                assert time.monotonic() < deadline, "the heartbeat did not move"
                db.session.rollback()
                time.sleep(0.05)
    finally:
        stop.set()
        thread.join(30)
        shared_app.config.update(SCHEDULER_JOBS=[], SCHEDULER_HEARTBEAT_S=30.0)
    with shared_app.app_context():
        db.session.rollback()
        assert db.session.get(Heartbeat, "scheduler") is None


def test_every_response_carries_a_request_id_and_a_proxy_id_is_kept(client) -> None:
    fresh = client.get("/healthz").headers["X-Request-ID"]
    assert len(fresh) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"}).headers["X-Request-ID"] == "edge-1234abcd"
    # Anything that is not id-shaped is replaced, so it never reaches the logs.
    assert client.get("/healthz", headers={"X-Request-ID": "马秀英 13812345678"}).headers["X-Request-ID"] != (
        "马秀英 13812345678"
    )


def test_request_log_lines_are_json_with_the_request_id_and_no_phone(client, caplog, monkeypatch) -> None:
    # Alembic's fileConfig (the migration tests) disables loggers that exist when it runs; a server never migrates.
    monkeypatch.setattr(logging.getLogger("diandan.request"), "disabled", False)
    caplog.set_level(logging.INFO, logger="diandan.request")
    response = client.get("/healthz", headers={"X-Request-ID": "edge-5678efgh"})
    record = next(r for r in caplog.records if r.name == "diandan.request")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["X-Request-ID"] == "edge-5678efgh"
    assert line["message"] == "GET /healthz 200" and line["status"] == 200
    phone = logging.makeLogRecord({"msg": "sms to %s failed", "args": ("13812345678",), "name": "x"})
    assert json.loads(JsonFormatter().format(phone))["message"] == "sms to 138****5678 failed"


def test_bench_endpoint_exists_only_when_enabled(app, client) -> None:
    assert client.post("/bench/insert").status_code == 404
    app.config["BENCH_ENDPOINTS"] = True
    try:
        response = client.post("/bench/insert")
    finally:
        app.config["BENCH_ENDPOINTS"] = False
        db.session.execute(db.text("DROP TABLE IF EXISTS bench_rows"))
        db.session.commit()
    assert response.status_code == 201 and response.get_json()["id"] == 1
