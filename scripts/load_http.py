"""Service speed under gunicorn on PostgreSQL, load client (locust, headless) on the same machine, 127.0.0.1 only.

    .venv/bin/pip install -e ".[load]"
    DATABASE_URL=postgresql://user@127.0.0.1/diandan_load .venv/bin/python scripts/load_http.py --out load.json

The database is migrated and the demo county loaded (and dispatched once) if it is empty. gunicorn serves wsgi:app
with the benchmark-only endpoint on (DIANDAN_BENCH_ENDPOINTS=1). Two bounded locust runs follow:
  1. throughput: order creation and the one-row insert side by side, same clients each, no think time;
  2. mix: residents ordering, team leads answering, county staff reading the dashboard.
Then the orders are checked one by one: each order sent carries a mark of its own (in its notes); every order
acknowledged (201) must be stored once under the id it was answered with, no mark may be stored twice, and an order
stored without an acknowledgement must be one that was sent and left unanswered when locust stopped.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(env: dict, *, stderr: IO | int = subprocess.DEVNULL) -> Iterator[str]:
    """gunicorn serving wsgi:app on a free local port, once its /healthz answers: its address; stopped after."""
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [BIN / "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=stderr,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(host + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        yield host
    finally:
        web.terminate()
        web.wait(30)


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def _orders_stored(env: dict) -> int:
    code = (
        "from app import create_app; from app.extensions import db; from app.orders.models import Order; "
        "app = create_app(); ctx = app.app_context(); ctx.push(); "
        "print(db.session.scalar(db.select(db.func.count(Order.id))))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def _stored_marks(env: dict, mark: str) -> list[tuple[str, int]]:
    """(notes, id) of every stored order whose notes carry this run's mark."""
    code = (
        "import json, sys; from app import create_app; from app.extensions import db; "
        "from app.orders.models import Order; app = create_app(); ctx = app.app_context(); ctx.push(); "
        "rows = db.session.execute(db.select(Order.notes, Order.id).where(Order.notes.like(sys.argv[1] + ':%'))); "
        "print(json.dumps([list(r) for r in rows]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, mark], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [(notes, order_id) for notes, order_id in json.loads(out.stdout.strip().splitlines()[-1])]


def check_ledger(ledgers: list[dict], stored: list[tuple[str, int]]) -> dict:
    """Acknowledged = stored, order by order: the figures and the marks that break it."""
    sent: set[str] = set()
    acknowledged: dict[str, int] = {}
    for ledger in ledgers:
        sent |= set(ledger["sent"])
        acknowledged.update(ledger["acknowledged"])
    by_mark: dict[str, list[int]] = {}
    for notes, order_id in stored:
        by_mark.setdefault(notes, []).append(order_id)
    missing = sorted(m for m, order_id in acknowledged.items() if by_mark.get(m) != [order_id])
    twice = sorted(m for m, ids in by_mark.items() if len(ids) > 1)
    unanswered = sent - set(acknowledged)
    stored_unacknowledged = sorted(m for m in by_mark if m not in acknowledged)
    return {
        "sent": len(sent),
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "acknowledged_and_stored_once": len(acknowledged) - len(missing),
        "acknowledged_not_stored": len(missing),
        "stored_twice": len(twice),
        # In flight when locust stopped: stored, but the answer never reached the client.
        "stored_unanswered_in_flight": sum(1 for m in stored_unacknowledged if m in unanswered),
        "stored_never_sent": sum(1 for m in stored_unacknowledged if m not in sent),
        "ok": not missing and not twice and all(m in unanswered for m in stored_unacknowledged),
    }


def _prepare(env: dict) -> None:
    subprocess.run([BIN / "diandan", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    loaded = subprocess.run([BIN / "diandan", "demo", "load"], env=env, cwd=ROOT, capture_output=True, text=True)
    if loaded.returncode == 0:
        subprocess.run([BIN / "diandan", "dispatch", "run"], env=env, cwd=ROOT, check=True, capture_output=True)


def _locust(
    host: str, classes: list[str], users: int, seconds: int, folder: str, tag: str, env: dict
) -> dict[str, dict]:
    prefix = f"{folder}/{tag}"
    env = {**env, "LOAD_LEDGER": f"{prefix}_ledger.json"}
    subprocess.run(
        [BIN / "locust", "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--host", host,
         "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--csv", prefix,
         "--only-summary", "--loglevel", "WARNING", *classes],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
            }
    return rows


def _call(host: str, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(host + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return {"status": response.status, "body": json.loads(response.read())}


def _dispatch_request_ms(host: str, token: str, samples: int = 20) -> dict[str, float]:
    """How long POST /dispatch/runs takes to answer (it only queues; no scheduler runs during the measurement)."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = _call(host, "/api/v1/dispatch/runs", {}, token)
        times.append((time.perf_counter() - started) * 1000)
        assert answer["status"] == 202, answer
    times.sort()
    return {"p50_ms": round(times[len(times) // 2], 1), "max_ms": round(times[-1], 1), "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=16, help="clients in each run")
    parser.add_argument("--seconds", type=int, default=60, help="length of each run")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    env = {**os.environ, "DIANDAN_BENCH_ENDPOINTS": "1", "DIANDAN_LOG_LEVEL": "WARNING"}
    _prepare(env)
    web_env = {**env, "WEB_CONCURRENCY": str(args.web_workers)}
    web_log = (Path(tempfile.gettempdir()) / "diandan-load-web.log").open("w")  # noqa: SIM115 (closed below)
    folder = tempfile.mkdtemp()
    try:
        with served(web_env, stderr=web_log) as host:
            county_token = _call(host, "/api/v1/auth/token", {"username": "county", "password": "diandan123"})["body"]
            stored_before = _orders_stored(env)
            mark = f"load-{int(time.time())}"
            load_env = {**env, "LOAD_RUN_MARK": mark}
            throughput = _locust(
                host, ["OrderCreator", "OneRowInsert"], args.users, args.seconds, folder, "throughput", load_env
            )
            mix = _locust(
                host, ["Resident", "TeamLead", "CountyStaff"], args.users, args.seconds, folder, "mix", load_env
            )
            stored = _orders_stored(env) - stored_before
            ledgers = [json.loads(Path(f"{folder}/{tag}_ledger.json").read_text()) for tag in ("throughput", "mix")]
            ledger = check_ledger(ledgers, _stored_marks(env, mark))
            try:
                dispatch_request = _dispatch_request_ms(host, county_token["token"])
            except OSError as error:  # reported, so the load figures above are not lost
                dispatch_request = {"error": str(error)}
    finally:
        web_log.close()
        shutil.rmtree(folder, ignore_errors=True)
    empty = {"requests": 0, "failures": 0, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}
    order, insert = throughput.get("POST /orders", empty), throughput.get("POST /bench/insert", empty)
    acknowledged = sum(
        run[name]["requests"] - run[name]["failures"]
        for run in (throughput, mix)
        for name in ("POST /orders",)
        if name in run
    )
    report = {
        "users": args.users,
        "seconds": args.seconds,
        "web_workers": args.web_workers,
        "cpus": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "throughput_run": throughput,
        "mix_run": mix,
        "order_vs_insert_throughput": round(order["rps"] / max(insert["rps"], 1e-9), 3),
        "order_vs_insert_p95": round(order["p95_ms"] / max(insert["p95_ms"], 1e-9), 2),
        "errors": sum(r["failures"] for r in (*throughput.values(), *mix.values())),
        # Every 201 for an order against the rows that appeared.
        "orders_acknowledged": acknowledged,
        "orders_stored": stored,
        # The same, order by order (each order's mark in its notes).
        "acknowledged_equals_stored": ledger,
        "dispatch_request": dispatch_request,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
