"""Load check for the service: a large demo county, a dispatch run, and API latency under repeated requests.

usage: .venv/bin/python scripts/load.py [--volunteers 10000] [--orders 2000] [--requests 200] [--out LOAD.md]

Runs in-process on a fresh SQLite file (or DATABASE_URL) and writes a table of timings and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(samples: list[float], fn):
    start = time.perf_counter()
    result = fn()
    samples.append((time.perf_counter() - start) * 1000)
    return result


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.core.timeutil import LOCAL_TZ
    from app.demo.loader import DEMO_PASSWORD, load_demo
    from app.dispatch.runs import run_dispatch_for_counties
    from app.extensions import db

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/load.db"
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url, DISPATCH_TIME_LIMIT_S=args.time_limit)
    rows: list[tuple[str, str]] = []
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        load_demo(volunteers=args.volunteers, orders=args.orders, seed=7)
        db.session.commit()
        rows.append(
            (
                f"demo load ({args.volunteers} volunteers, {args.orders} open orders)",
                f"{time.perf_counter() - start:.1f} s",
            )
        )
        start = time.perf_counter()
        (run,) = run_dispatch_for_counties(trigger="load", actor=None)
        db.session.commit()
        rows.append(
            (
                "dispatch run (build + solve + store, all tier passes)",
                f"{time.perf_counter() - start:.1f} s: {run.orders_proposed}/{run.orders_considered} placed, "
                f"priority {run.served_priority}/{run.bound}, {run.travel_km:.0f} km",
            )
        )

    client = app.test_client()

    def token(user: str) -> dict[str, str]:
        body = client.post("/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}

    staff, county, lead = token("station"), token("county"), token("lead")
    with app.app_context():
        from app.menu.models import MenuItem
        from app.stations.models import Station

        item_id = db.session.scalar(db.select(MenuItem.id).where(MenuItem.code == "MI-15"))
        station_id = db.session.scalar(db.select(Station.id).where(Station.code == "PY-BY-01"))
    day = (datetime.now(LOCAL_TZ) + timedelta(days=3)).date()
    window_start = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ)
    order_body = {
        "menu_item_id": item_id,
        "station_id": station_id,
        "resident": {"name": "测试"},
        "windows": [{"start": window_start.isoformat(), "end": (window_start + timedelta(hours=4)).isoformat()}],
    }
    cases = {
        "POST /orders (station staff)": lambda: client.post("/api/v1/orders", json=order_body, headers=staff),
        "GET /orders?limit=50 (county staff)": lambda: client.get("/api/v1/orders?limit=50", headers=county),
        "GET /proposals?status=pending (team lead)": lambda: client.get(
            "/api/v1/proposals?status=pending", headers=lead
        ),
        "GET /coverage (county staff)": lambda: client.get("/api/v1/coverage", headers=county),
    }
    for name, call in cases.items():
        samples: list[float] = []
        for _ in range(args.requests):
            response = _timed(samples, call)
            assert response.status_code < 400, (name, response.status_code, response.get_json())
        rows.append(
            (
                name,
                f"p50 {statistics.median(samples):.1f} ms, p95 {_pct(samples, 0.95):.1f} ms ({args.requests} requests)",
            )
        )
    rows.append(("peak memory (this process)", f"{_peak_mb():.0f} MB"))

    table = "| what | result |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(table)
    if args.out:
        Path(args.out).write_text(
            "# Service load check\n\nMeasured with `.venv/bin/python scripts/load.py "
            f"--volunteers {args.volunteers} --orders {args.orders} --requests {args.requests} --out {args.out}` "
            f"on this 2-core machine, SQLite, in-process (Flask test client, no network).\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
