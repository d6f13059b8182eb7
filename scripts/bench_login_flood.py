"""What a sign-in flood does to unrelated reads, under gunicorn on PostgreSQL, with and without the sign-in limits.

    DATABASE_URL=postgresql://user@127.0.0.1/diandan_load .venv/bin/python scripts/bench_login_flood.py

The database is migrated and the demo county loaded if it is empty (as scripts/load_http.py does). For each of two
servers (the configured limits, then limits so high that nothing is throttled) it times unrelated reads
(`GET /api/v1/menu-items` as county staff) alone, then again while flooding threads post wrong passwords to
`POST /api/v1/auth/token` from the same address. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_http import _call, _prepare, served  # noqa: E402


def _read_ms(host: str, token: str, samples: int) -> dict[str, float]:
    """Milliseconds per unrelated read, one after another."""
    request = urllib.request.Request(host + "/api/v1/menu-items", headers={"Authorization": f"Bearer {token}"})
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}


def _flood(host: str, stop: threading.Event, statuses: Counter, guard: threading.Lock) -> None:
    """Post wrong passwords until told to stop, counting the answers."""
    body = json.dumps({"username": "nobody", "password": "guess"}).encode()
    while not stop.is_set():
        request = urllib.request.Request(
            host + "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        with guard:
            statuses[status] += 1


def _measure(env: dict, *, flooders: int, samples: int) -> dict:
    with served(env) as host:
        token = _call(host, "/api/v1/auth/token", {"username": "county", "password": "diandan123"})["body"]["token"]
        quiet = _read_ms(host, token, samples)
        stop, guard, statuses = threading.Event(), threading.Lock(), Counter()
        threads = [threading.Thread(target=_flood, args=(host, stop, statuses, guard)) for _ in range(flooders)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        flooded = _read_ms(host, token, samples)
        stop.set()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        return {
            "reads_alone": quiet,
            "reads_during_flood": flooded,
            "flood_requests_per_s": round(sum(statuses.values()) / seconds, 1),
            "flood_statuses": dict(statuses),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flooders", type=int, default=16, help="threads posting wrong passwords")
    parser.add_argument("--samples", type=int, default=40, help="reads timed in each phase")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    env = {**os.environ, "DIANDAN_LOG_LEVEL": "WARNING"}
    _prepare(env)
    unthrottled = {
        **env,
        "DIANDAN_LOGIN_RATE_LIMIT": "1000000 per minute",
        "DIANDAN_LOGIN_FAILURE_LIMIT": "1000000 per minute",
    }
    result = {
        "throttled": _measure(env, flooders=args.flooders, samples=args.samples),
        "unthrottled": _measure(unthrottled, flooders=args.flooders, samples=args.samples),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
