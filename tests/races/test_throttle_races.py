"""Sign-in throttling under a real flood: two served app instances (two workers) share one set of counters in
PostgreSQL, so 60 attempts at once let exactly the limit through (issue 13 row 5)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.factories import PASSWORD
from tests.races.conftest import Call, Server, no_server_errors


@pytest.mark.xfail(
    reason=(
        "open defect: under load 18 of the 20 allowed logins got through (the per-username failure count "
        "is checked before and counted after the request)"
    ),
    strict=False,
)
def test_login_flood_across_two_workers_is_cut_at_the_shared_limit(app, server, world) -> None:
    other_worker = create_app("config.TestingConfig")
    served = make_server("127.0.0.1", 0, other_worker, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        second = Server(served.server_port)
        guess = Call("POST", "/api/v1/auth/token", {}, {"username": "county", "password": "guess"})
        calls = [guess] * 30
        start = threading.Barrier(2)
        results: dict[str, list] = {}

        def flood(name: str, target: Server) -> None:
            start.wait()
            results[name] = target.fire(calls)

        workers = [threading.Thread(target=flood, args=(n, s)) for n, s in (("a", server), ("b", second))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        replies = results["a"] + results["b"]
        no_server_errors(replies)
        statuses = sorted(r.status for r in replies)
        limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
        # Per-process memory would let each worker pass `limit` (40 in all); the database lets `limit` pass in all.
        assert statuses.count(401) == limit and statuses.count(429) == 60 - limit
        right = server.send(Call("POST", "/api/v1/auth/token", {}, {"username": "county", "password": PASSWORD}))
        assert right.status == 429
    finally:
        served.shutdown()
        thread.join()
        served.server_close()
