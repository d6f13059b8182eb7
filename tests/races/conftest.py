"""Race fixtures: the app served on 127.0.0.1 by a threaded server, on PostgreSQL, and a way to fire many requests
at once. Every test here is marked `postgres` and skips cleanly on SQLite (one writer at a time: no race)."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from tests.factories import World


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Mark every test in this folder `postgres`; skip them all when the test database is not PostgreSQL."""
    here = Path(__file__).parent
    from config import TestingConfig

    on_pg = TestingConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.postgres)
            if not on_pg:
                item.add_marker(pytest.mark.skip(reason="races need PostgreSQL (TEST_DATABASE_URL)"))


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status and JSON body."""

    status: int
    body: object


@dataclass(frozen=True)
class Call:
    """One HTTP request to fire."""

    method: str
    path: str
    headers: dict[str, str]
    body: object | None = None


class Server:
    """The served app: fire requests at it all at once."""

    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, call: Call) -> Reply:
        """One request on its own connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            payload = None if call.body is None else json.dumps(call.body)
            headers = {"Content-Type": "application/json", **call.headers}
            connection.request(call.method, call.path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return Reply(response.status, json.loads(raw) if raw else None)
        finally:
            connection.close()

    def fire(self, calls: list[Call]) -> list[Reply]:
        """Send every call at the same moment (each from its own thread, released together)."""
        start = threading.Barrier(len(calls))

        def one(call: Call) -> Reply:
            start.wait()
            return self.send(call)

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(one, calls))

    def fire_pairs(self, pairs: list[tuple[Call, Call]]) -> list[tuple[Reply, Reply]]:
        """Send both calls of every pair, all at the same moment; none may answer 5xx. The replies, in pairs."""
        replies = self.fire([call for pair in pairs for call in pair])
        no_server_errors(replies)
        db.session.remove()
        return list(zip(replies[::2], replies[1::2], strict=True))


@contextmanager
def serve(app: Flask) -> Iterator[Server]:
    """Serve an app with werkzeug's threaded server (a thread per request) on a free port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(served.server_port)
    finally:
        served.shutdown()
        thread.join()
        served.server_close()


@pytest.fixture()
def server(app: Flask, world: World) -> Iterator[Server]:
    """The app, with the test world in its database, served on a free port."""
    with serve(app) as served:
        yield served


@pytest.fixture()
def bearer(token_for) -> dict:
    """username -> Authorization header (tokens made once per test)."""
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = token_for(username)
        return cache[username]

    return get


def assert_doctor_clean() -> None:
    """Every invariant holds in the database (what `diandan doctor` checks)."""
    from app.integrity.service import find_violations

    db.session.remove()
    violations = find_violations()
    assert violations == [], "\n".join(map(str, violations))


def no_server_errors(replies: list[Reply]) -> None:
    """No reply was a 5xx."""
    errors = [r for r in replies if r.status >= 500]
    assert errors == [], errors[:3]
