"""Dispatch as a job: the request queues a run; the scheduler (no broker) or a real Celery worker on a real Redis
runs it; a worker killed mid-run still completes the run once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from app.core.timeutil import LOCAL_TZ, set_clock, utcnow
from app.dispatch.models import DispatchRun, Proposal
from app.dispatch.runs import run_dispatch
from app.extensions import db
from schedules.process import run_scheduler
from tests.dispatch.border_world import stored_plan
from tests.factories import World, build_world
from tests.rosters.builders import place
from tests.schedules.conftest import NEEDS_PG, database_url

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], timeout: float = 180.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        db.session.rollback()
        time.sleep(0.05)


@pytest.fixture()
def county(shared_app: Flask) -> World:
    """The test county with five open orders over two days, committed so other processes see them."""
    world = build_world()
    tomorrow = (datetime.now(LOCAL_TZ) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    for i in range(5):
        place(world, start=tomorrow + timedelta(hours=3 * (i % 3), days=i // 3))
    db.session.commit()
    return world


def _token(client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": "pass-1234"})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _in_process_plan(world: World, *, now: datetime) -> list[tuple]:
    """What an in-process run from `now` would propose; rolled back so the database is as it was."""
    run_dispatch(county=world.stations["PY"], trigger="test", actor=None, time_limit=2.0, now=now)
    db.session.flush()
    plan = stored_plan()
    db.session.rollback()
    return plan


def test_the_request_only_queues_and_the_scheduler_runs_it(shared_app: Flask, county: World) -> None:
    client = shared_app.test_client()
    headers = _token(client, "county")
    started = time.perf_counter()
    response = client.post("/api/v1/dispatch/runs", json={"county": "PY", "time_limit": 2}, headers=headers)
    answered = time.perf_counter() - started
    assert response.status_code == 202, response.get_json()
    [queued] = response.get_json()
    assert queued["status"] == "queued" and queued["attempts"] == 0
    db.session.rollback()
    assert stored_plan() == [], "the request must not solve"
    shared_app.config.update(SCHEDULER_JOBS=["housekeeping"], DISPATCH_QUEUE_POLL_S=0.05)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_scheduler, args=(shared_app,), kwargs={"stop": stop, "say": lambda _: None, "handle_signals": False}
    )
    thread.start()
    try:
        wait_for(lambda: db.session.get(DispatchRun, queued["id"]).status == "done", what="the run")
    finally:
        stop.set()
        thread.join(60)
        shared_app.config.update(SCHEDULER_JOBS=[], DISPATCH_QUEUE_POLL_S=2.0)
    shown = client.get(f"/api/v1/dispatch/runs/{queued['id']}", headers=headers).get_json()
    assert shown["status"] == "done" and shown["attempts"] == 1 and shown["orders_proposed"] == len(stored_plan()) > 0
    # Generous for a loaded machine; LOAD.md has the measured figure.
    assert answered < 2.0


def test_a_second_request_while_one_waits_gets_the_same_run(shared_app: Flask, county: World) -> None:
    client = shared_app.test_client()
    headers = _token(client, "county")
    first = client.post("/api/v1/dispatch/runs", json={"county": "PY"}, headers=headers).get_json()
    second = client.post("/api/v1/dispatch/runs", json={"county": "PY"}, headers=headers).get_json()
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert db.session.scalar(db.select(db.func.count(DispatchRun.id))) == 1


# --- Celery on a real Redis ---


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A throwaway redis-server (Debian's; .ci/run installs it), stopped at the end of the session."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (apt-get install redis-server)"
    port = int(os.environ.get("DIANDAN_TEST_REDIS_PORT") or _free_port())
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


class Worker:
    """A real `celery worker` process (prefork, one child) on the test database and Redis."""

    def __init__(self, url: str, broker: str, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DIANDAN_BROKER_URL": broker,
            "DIANDAN_LOG_JSON": "0",
            "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0"),
        }
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "schedules.worker", "worker", "--pool", "prefork",
             "--concurrency", "1", "--queues", "dispatch,outbox", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def children(self) -> list[int]:
        """The pool's child processes (the ones that run tasks)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                found.append(int(stat.parent.name))
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture()
def worker_mode(shared_app: Flask, redis_url: str, tmp_path: Path) -> Iterator[Worker]:
    """The app sends to Redis; one Celery worker runs the tasks."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    worker = Worker(database_url(shared_app), redis_url, tmp_path / "worker.log")
    shared_app.config["BROKER_URL"] = redis_url
    try:
        yield worker
    finally:
        shared_app.config["BROKER_URL"] = ""
        worker.stop()


def test_celery_worker_gives_the_same_proposals_as_in_process(shared_app: Flask, county: World, worker_mode) -> None:
    moment = utcnow()
    expected = _in_process_plan(county, now=moment)
    assert len(expected) >= 3
    client = shared_app.test_client()
    headers = _token(client, "county")
    # The run plans from when it was asked for, whichever worker takes it and whenever.
    set_clock(moment)
    try:
        response = client.post("/api/v1/dispatch/runs", json={"county": "PY", "time_limit": 2}, headers=headers)
    finally:
        set_clock(None)
    assert response.status_code == 202
    [queued] = response.get_json()
    wait_for(lambda: db.session.get(DispatchRun, queued["id"]).status in ("done", "failed"), what="the worker")
    run = db.session.get(DispatchRun, queued["id"])
    assert run.status == "done", (run.error, worker_mode.log.name)
    assert stored_plan() == expected


def test_celery_fan_out_with_the_border_pass_gives_the_in_process_proposals(shared_app: Flask, worker_mode) -> None:
    from tests.dispatch.border_world import in_process_border_plan

    world = build_world()
    moment, expected = in_process_border_plan(world)
    assert any(team == world.teams["T-T-B"].id for _, team, _, _ in expected)
    client = shared_app.test_client()
    headers = _token(client, "admin")
    set_clock(moment)
    try:
        response = client.post("/api/v1/dispatch/runs", json={"time_limit": 2}, headers=headers)
    finally:
        set_clock(None)
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert [r["kind"] for r in queued] == ["county", "county", "border"]
    assert queued[-1]["after_run_ids"] == [queued[0]["id"], queued[1]["id"]]

    def finished() -> bool:
        return all(db.session.get(DispatchRun, r["id"]).status in ("done", "failed") for r in queued)

    wait_for(finished, what="the county tasks and the border task")
    assert [db.session.get(DispatchRun, r["id"]).status for r in queued] == ["done"] * 3, worker_mode.log.name
    assert stored_plan() == expected


def test_a_worker_killed_mid_run_leaves_the_run_to_its_retry_and_nothing_twice(
    shared_app: Flask, county: World, worker_mode: Worker
) -> None:
    if not shared_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip(NEEDS_PG)
    client = shared_app.test_client()
    headers = _token(client, "county")
    # Hold the county's lock (runs._lock_county's key) so the worker stops inside the run, claimed and not yet
    # solved, until released.
    blocker = db.engine.connect()
    blocker.execute(db.text("SELECT pg_advisory_lock(3401, :key)"), {"key": county.stations["PY"].id})
    try:
        [queued] = client.post("/api/v1/dispatch/runs", json={"county": "PY"}, headers=headers).get_json()
        wait_for(lambda: db.session.get(DispatchRun, queued["id"]).attempts == 1, what="the first attempt")
        [child] = worker_mode.children()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: db.session.get(DispatchRun, queued["id"]).attempts == 2, what="the retry")
    finally:
        blocker.execute(db.text("SELECT pg_advisory_unlock(3401, :key)"), {"key": county.stations["PY"].id})
        blocker.close()
    wait_for(lambda: db.session.get(DispatchRun, queued["id"]).status == "done", what="the retried run")
    proposals = db.session.scalars(db.select(Proposal)).all()
    assert len(proposals) == db.session.get(DispatchRun, queued["id"]).orders_proposed > 0
    assert len({p.order_id for p in proposals}) == len(proposals), "an order was proposed twice"
    assert db.session.scalar(db.select(db.func.count(DispatchRun.id))) == 1


def test_engine_progress_is_visible_while_the_run_still_holds_its_transaction(shared_app: Flask, county: World) -> None:
    import matching
    from app.dispatch.progress import progress_reporter
    from app.dispatch.queue import claim_run, queue_runs

    [queued] = queue_runs(county_code="PY", actor=None, trigger="test", time_limit=1.0)
    db.session.commit()
    run = claim_run(run_id=queued.id)
    report = progress_reporter(run.id)
    if db.engine.dialect.name != "postgresql":
        assert report is None  # SQLite: one writer at a time; the page shows the state only
        return
    # The run's transaction has written to its own row (as run_dispatch does) and is still open.
    run.orders_considered = 5
    db.session.flush()
    report(matching.Progress(1.5, 7, 9, 12.25, "search"))
    report(matching.Progress(1.6, 8, 9, 12.0, "search"))  # within a second: skipped
    with shared_app.test_client() as other:
        headers = _token(other, "county")
        shown = other.get(f"/api/v1/dispatch/runs/{run.id}", headers=headers).get_json()
    assert shown["status"] == "running"
    assert shown["progress"] == {"seconds": 1.5, "served": 7, "bound": 9, "travel_km": 12.2, "stage": "search"}
    db.session.rollback()
