"""National-scale fan-out benchmark: many generated counties through Celery with K local workers.

    .venv/bin/python scripts/bench_fanout.py --counties 200 --workers 2 --time-limit 0.5 --out bench-fanout.json

Each county is one of the province-week kind (matching.generate: ~2,000 volunteers, 500 orders over a week), or
smaller with --volunteers/--orders (the engine's fixed work, building and pruning candidates, does not shrink with
the time limit, so 200 full-size counties take over an hour on a loaded machine).
First every county is generated and solved one after another in this process (the single-process baseline);
then the same counties go through Celery on a throwaway redis-server, one task per county, K worker processes.
A task generates its county itself (as a real worker builds its county from the database) and solves it with
the engine in-process. Reported: wall times, counties per minute, per-county p50/p95 solve seconds, peak RSS, the
CPU seconds the counties took in each half (equal when the fan-out adds no work of its own), and the fan-out's own
costs: the pool parent's, the broker's and the sender's CPU, and each worker process's wait for its first task,
between tasks and after its last. The clock starts once every pool process has started and answered a task.

This file is also the Celery app the bench's workers load (`celery --app bench_fanout worker`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery, signals

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

bench = Celery("diandan-bench")
bench.conf.update(
    broker_url=os.environ.get("BENCH_BROKER_URL", "memory://"),
    result_backend=os.environ.get("BENCH_BROKER_URL", "cache+memory://"),
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)


def load_engine() -> None:
    """Import the engine and take everything loaded so far out of the garbage collector's rounds.

    Both halves start so: a pool process as it starts (not inside its first county: 1.7-1.8 s on a loaded machine),
    the single process before its first county. Without the freeze a pool process spent 17-26% more CPU on the same
    counties than the single process (its collections went through the objects it inherited from the pool's parent,
    copying the pages they sit on); with it, the same or less.
    """
    import gc

    import matching  # noqa: F401
    import matching.generate  # noqa: F401

    gc.freeze()


@signals.worker_process_init.connect
def _pool_process_started(**_: object) -> None:
    load_engine()


def county_scale(volunteers: int | None = None, orders: int | None = None):  # noqa: ANN201
    """One county of the province-week kind (its volunteers and orders resized when given)."""
    from matching.generate import SCALES, Scale

    province = SCALES["province"]
    return Scale(
        1,
        volunteers or province.volunteers_per_county,
        orders or province.orders_per_county,
        province.planted,
        province.fixed,
    )


def solve_county(
    index: int,
    seed: int,
    time_limit: float,
    volunteers: int | None = None,
    orders: int | None = None,
    deterministic: bool = False,
) -> dict:
    """Generate county `index` and solve it in this process; its figures."""
    import matching
    from matching.generate import generate

    began_at, cpu = time.time(), time.process_time()
    started = time.perf_counter()
    instance = generate(county_scale(volunteers, orders), seed=seed * 100_000 + index)
    built = time.perf_counter()
    solution = matching.solve(instance, time_limit=time_limit, seed=seed, workers=1, deterministic=deterministic)
    done = time.perf_counter()
    served = {a.order for a in solution.assignments}
    return {
        "county": index,
        "orders": len(instance.orders),
        "volunteers": len(instance.volunteers),
        "build_s": round(built - started, 3),
        "solve_s": round(done - built, 3),
        # The CPU this process spent on the county: equal in both halves when the fan-out adds no work of its own,
        # whatever share of the cores the machine's other processes leave it.
        "cpu_s": round(time.process_time() - cpu, 3),
        "began_at": began_at,
        "ended_at": time.time(),
        "served_priority": sum(o.priority for o in instance.orders if o.id in served),
        "bound": solution.stats.bound,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pid": os.getpid(),
    }


@bench.task(name="bench.solve_county")
def solve_county_task(
    index: int, seed: int, time_limit: float, volunteers: int | None, orders: int | None, deterministic: bool
) -> dict:
    """The fan-out's unit of work: one county."""
    return solve_county(index, seed, time_limit, volunteers, orders, deterministic)


@bench.task(name="bench.pool_process")
def pool_process_task(pause: float) -> int:
    """Which pool process ran this (the warm-up: every process has started before the clock does)."""
    time.sleep(pause)
    return os.getpid()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _summary(rows: list[dict], wall: float) -> dict:
    solve = [r["solve_s"] for r in rows]
    total = [r["build_s"] + r["solve_s"] for r in rows]
    served, bound = sum(r["served_priority"] for r in rows), sum(r["bound"] for r in rows)
    return {
        "wall_s": round(wall, 1),
        "counties_per_min": round(len(rows) / wall * 60, 1),
        "solve_p50_s": _pct(solve, 0.5),
        "solve_p95_s": _pct(solve, 0.95),
        "sum_build_solve_s": round(sum(total), 1),
        "sum_cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        "served_share_of_bound": round(served / max(1, bound), 4),
    }


def _gaps(rows: list[dict], sent_at: float, received_at: float) -> dict:
    """Where the fan-out's wall time went besides the counties' own work, per worker process: waiting for its first
    task after the sending began, between one task's end and the next one's start (broker, result, prefetch), and
    after its last task until the last result was back."""
    by_pid: dict[int, list[dict]] = {}
    for row in rows:
        by_pid.setdefault(row["pid"], []).append(row)
    first, between, last = [], [], []
    for tasks in by_pid.values():
        tasks.sort(key=lambda r: r["began_at"])
        first.append(tasks[0]["began_at"] - sent_at)
        between += [b["began_at"] - a["ended_at"] for a, b in zip(tasks, tasks[1:], strict=False)]
        last.append(received_at - tasks[-1]["ended_at"])
    return {
        "processes": len(by_pid),
        "first_task_after_s": [round(x, 3) for x in first],
        "between_tasks_total_s": round(sum(between), 3),
        "between_tasks_p50_ms": round(_pct(between, 0.5) * 1000, 1) if between else 0.0,
        "between_tasks_max_ms": round(max(between) * 1000, 1) if between else 0.0,
        "after_last_task_s": [round(x, 3) for x in last],
    }


def _cpu_of(pid: int) -> float:
    """CPU seconds a process has used so far, itself and its reaped children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(folder: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def run_fanout(
    counties: int, workers: int, seed: int, time_limit: float, size: tuple
) -> tuple[list[dict], float, dict]:
    """Push every county through Celery with `workers` worker processes; results, wall time and its overhead."""
    with tempfile.TemporaryDirectory() as folder:
        redis, url = _start_redis(folder)
        env = {**os.environ, "BENCH_BROKER_URL": url, "PYTHONPATH": f"{ROOT / 'scripts'}:{ROOT}"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "bench_fanout", "worker", "--pool", "prefork",
             "--concurrency", str(workers), "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING"],
            cwd=ROOT / "scripts", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            bench.conf.broker_url = url
            bench.conf.result_backend = url
            # Wait until the workers answer and each pool process has run a task, so start-up is not counted in the
            # fan-out's time (a deployed worker has started long before a dispatch cycle).
            deadline = time.monotonic() + 120
            while not bench.control.ping(timeout=0.5):
                if time.monotonic() > deadline:
                    raise SystemExit("workers did not start")
            while len({r.get(timeout=120) for r in [pool_process_task.delay(0.5) for _ in range(workers)]}) < workers:
                if time.monotonic() > deadline:
                    raise SystemExit("the pool processes did not all start")
            worker_cpu, redis_cpu, own_cpu = _cpu_of(worker.pid), _cpu_of(redis.pid), time.process_time()
            started, sent_at = time.perf_counter(), time.time()
            results = [solve_county_task.delay(i, seed, time_limit, *size) for i in range(counties)]
            rows = [r.get(timeout=3600) for r in results]
            wall = time.perf_counter() - started
            # The pool's parent (the broker connection, handing tasks and results to its children), the broker and
            # this process (sending, waiting for results): CPU the fan-out spends besides the counties.
            overhead = {
                "pool_parent_cpu_s": round(_cpu_of(worker.pid) - worker_cpu, 2),
                "redis_cpu_s": round(_cpu_of(redis.pid) - redis_cpu, 2),
                "sender_cpu_s": round(time.process_time() - own_cpu, 2),
                **_gaps(rows, sent_at, time.time()),
            }
        finally:
            worker.terminate()
            worker.wait(60)
            redis.terminate()
            redis.wait(10)
    return rows, wall, overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=0.5, help="engine seconds per county")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--volunteers", type=int, default=None, help="volunteers per county (default ~2,000)")
    parser.add_argument("--orders", type=int, default=None, help="open orders per county (default 500)")
    parser.add_argument("--deterministic", action="store_true", help="the engine's work-bounded mode")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    load_before = os.getloadavg()
    load_engine()
    started = time.perf_counter()
    size = (args.volunteers, args.orders, args.deterministic)
    single = [solve_county(i, args.seed, args.time_limit, *size) for i in range(args.counties)]
    single_wall = time.perf_counter() - started
    fanned, fan_wall, overhead = run_fanout(args.counties, args.workers, args.seed, args.time_limit, size)
    baseline = _summary(single, single_wall)
    fanout = _summary(fanned, fan_wall)
    target = 1.2 * baseline["sum_build_solve_s"] / args.workers
    report = {
        "counties": args.counties,
        "workers": args.workers,
        "time_limit_s": args.time_limit,
        "deterministic": args.deterministic,
        "volunteers_per_county": single[0]["volunteers"],
        "orders_per_county": single[0]["orders"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "single_process": baseline,
        "celery_fanout": fanout,
        "fanout_overhead": overhead,
        "target_wall_s": round(target, 1),
        "target_met": fan_wall <= target,
        "same_served_priority": [r["served_priority"] for r in single] == [r["served_priority"] for r in fanned],
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
