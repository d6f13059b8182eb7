"""Benchmark the engine against first-come-first-served on seeded instances, and write BENCHMARKS.md."""

from __future__ import annotations

import multiprocessing
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass

from matching.baseline import fcfs
from matching.constraints import validate
from matching.domain import Instance, Solution
from matching.generate import SCALES, generate

# Engine time limits per scale (seconds); the targets are measured at these.
RUNS: dict[str, tuple[float, ...]] = {
    "county": (5.0, 30.0),
    "county-easy": (5.0,),
    "eight-counties": (30.0,),
    "province": (60.0,),
}
QUICK: dict[str, tuple[float, ...]] = {
    "county": (5.0,),
    "county-easy": (5.0,),
    "eight-counties": (15.0,),
    "province": (30.0,),
}
DEFAULT_SCALES = ("county", "county-easy", "eight-counties", "province")


@dataclass(frozen=True)
class Row:
    """One measured run."""

    scale: str
    solver: str
    orders: int
    volunteers: int
    total: int
    served: int
    bound: int
    unassigned: int
    travel_km: float
    seconds: float
    peak_mb: float
    valid: bool


def _measure(job: tuple[str, int, str, float], conn) -> None:
    scale, seed, solver, limit = job
    from matching.solver import solve

    inst = generate(scale, seed=seed)
    t = time.monotonic()
    sol = fcfs(inst) if solver == "fcfs" else solve(inst, time_limit=limit, seed=seed)
    secs = time.monotonic() - t
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # Worker processes run side by side with this one: count the biggest worker once per core as a ceiling.
    peak = me + (min(2, os.cpu_count() or 1) * kids if kids else 0.0)
    conn.send(_row(scale, solver, inst, sol, secs, peak))
    conn.close()


def _row(scale: str, solver: str, inst: Instance, sol: Solution, secs: float, peak: float) -> Row:
    return Row(
        scale,
        solver,
        len(inst.orders),
        len(inst.volunteers),
        inst.total_priority,
        sol.stats.served_priority,
        sol.stats.bound,
        len(sol.unassigned),
        sol.stats.travel_km,
        round(secs, 2),
        round(peak),
        not validate(inst, sol),
    )


def _redispatch(conn, scale: str, seed: int, n: int) -> None:
    """Decline n random pending assignments of a plan one at a time and time each re-dispatch."""
    import dataclasses
    import random

    from matching.redispatch import redispatch
    from matching.solver import solve

    inst = generate(scale, seed=seed)
    plan = solve(inst, time_limit=5.0, seed=seed)
    rng = random.Random(seed)
    pending = [a for a in plan.assignments if a.order not in inst.fixed_by_order]
    walls, cpus, served, invalid = [], [], 0, 0
    for a in rng.sample(pending, min(n, len(pending))):
        orders = tuple(
            dataclasses.replace(o, exclude_teams=(*o.exclude_teams, a.team)) if o.id == a.order else o
            for o in inst.orders
        )
        declined = dataclasses.replace(inst, orders=orders)
        w, c = time.perf_counter(), time.process_time()
        sol = redispatch(declined, plan, [a.order])
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        served += a.order in {x.order for x in sol.assignments}
        invalid += bool(validate(declined, sol))
    conn.send((walls, cpus, served, invalid))
    conn.close()


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * len(xs)) - 1))]


def redispatch_line(scale: str, seed: int, n: int = 50) -> tuple[str, float]:
    """Time n single-order re-dispatches against a plan of the scale, in a fresh process."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_redispatch, args=(child, scale, seed, n))
    p.start()
    child.close()
    walls, cpus, served, invalid = parent.recv()
    p.join()
    return (
        f"Re-dispatch of one declined order against a {scale} plan ({len(walls)} cases, each with the declining "
        f"team excluded): p50 {1000 * _pct(walls, 0.5):.0f} ms, p95 {1000 * _pct(walls, 0.95):.0f} ms, max "
        f"{1000 * max(walls):.0f} ms wall clock (CPU p95 {1000 * _pct(cpus, 0.95):.0f} ms); re-placed "
        f"{served} of {len(walls)}; invalid answers: {invalid}."
    ), _pct(walls, 0.95)


def _run(job: tuple[str, int, str, float]) -> Row:
    """Run one measurement in a fresh process, so peak memory is its own."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_measure, args=(job, child))
    p.start()
    child.close()
    row = parent.recv()
    p.join()
    return row


def _bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
    sys.stderr.flush()
    if done == total:
        sys.stderr.write("\n")


def table(rows: list[Row]) -> str:
    """The results as a Markdown table."""
    base = {r.scale: r for r in rows if r.solver == "fcfs"}
    lines = [
        "| scale | orders | volunteers | solver | served / bound | served | bound | total priority | "
        "unassigned | travel km | travel vs FCFS | seconds | peak MB | valid |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    # The bound is a property of the instance: FCFS is measured against the tightest one the engine proved.
    proved = {}
    for r in rows:
        if r.solver != "fcfs":
            proved[r.scale] = min(proved.get(r.scale, r.bound), r.bound)
    for r in rows:
        b = base.get(r.scale)
        vs = f"{(r.travel_km / b.travel_km - 1) * 100:+.1f}%" if b and b.travel_km and r.solver != "fcfs" else ""
        bound = proved.get(r.scale, r.bound)
        share = f"{100 * r.served / bound:.2f}%" if bound else "-"
        lines.append(
            f"| {r.scale} | {r.orders} | {r.volunteers} | {r.solver} | {share} | {r.served} | {bound} | "
            f"{r.total} | {r.unassigned} | {r.travel_km:.1f} | {vs} | {r.seconds:.2f} | {r.peak_mb:.0f} | "
            f"{'yes' if r.valid else 'NO'} |"
        )
    return "\n".join(lines)


def run_bench(
    *,
    scales: list[str] | None = None,
    quick: bool = False,
    seed: int = 1,
    output: str | None = None,
    time_limit: float | None = None,
) -> int:
    """Measure every scale, print the table and write it to output; exit code 1 if a solution is invalid."""
    scales = list(scales or DEFAULT_SCALES)
    for s in scales:
        if s not in SCALES:
            print(f"unknown scale {s!r}; choose from {', '.join(SCALES)}", file=sys.stderr)
            return 2
    runs = QUICK if quick else RUNS
    jobs: list[tuple[str, int, str, float]] = []
    for s in scales:
        jobs.append((s, seed, "fcfs", 0.0))
        for limit in [time_limit] if time_limit else runs.get(s, (10.0,)):
            jobs.append((s, seed, f"engine@{limit:g}s", limit))
    steps = len(jobs) + ("county" in scales)
    rows = []
    for i, job in enumerate(jobs):
        _bar(i, steps, f"{job[0]} {job[2]}")
        rows.append(_run(job))
    text = table(rows)
    p95 = None
    if "county" in scales:
        _bar(len(jobs), steps, "county re-dispatch")
        line, p95 = redispatch_line("county", seed)
        text += "\n\n" + line
    _bar(steps, steps, "done")
    text += "\n\n" + targets(rows, p95)
    print(text)
    if output:
        cmd = (
            "python -m matching bench"
            + (f" --scales {','.join(scales)}" if scales != list(DEFAULT_SCALES) else "")
            + (" --quick" if quick else "")
            + (f" --seed {seed}" if seed != 1 else "")
            + (f" --time-limit {time_limit:g}" if time_limit else "")
        )
        write_report(output, text, cmd)
    return 0 if all(r.valid for r in rows) else 1


def targets(rows: list[Row], p95: float | None) -> str:
    """The issue's targets, each with what was measured and whether it is met."""

    def find(scale: str, solver: str) -> Row | None:
        return next((r for r in rows if r.scale == scale and r.solver == solver), None)

    out = ["| target | measured | met |", "|---|---|---|"]

    def add(name: str, measured: str, ok: bool) -> None:
        out.append(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")

    if (r := find("county", "engine@5s")) is not None:
        add(
            "county: >= 99.5% of proved bound within 5 s",
            f"{100 * r.served / r.bound:.2f}% in {r.seconds:.1f} s",
            r.served >= 0.995 * r.bound and r.seconds <= 5.5,
        )
    if (r := find("county", "engine@30s")) is not None and (b := find("county", "fcfs")) is not None:
        add(
            "county: travel >= 15% below FCFS within 30 s, serving at least as much priority",
            f"{(r.travel_km / b.travel_km - 1) * 100:+.1f}% travel, served {r.served} vs {b.served}",
            r.travel_km <= 0.85 * b.travel_km and r.served >= b.served,
        )
    if (r := find("county-easy", "engine@5s")) is not None:
        add(
            "county, all servable: all served within 5 s",
            f"{r.unassigned} unserved in {r.seconds:.1f} s",
            r.unassigned == 0 and r.seconds <= 5.5,
        )
    if (r := find("eight-counties", "engine@30s")) is not None:
        add(
            "eight counties, all servable: all served within 30 s",
            f"{r.unassigned} unserved in {r.seconds:.1f} s",
            r.unassigned == 0 and r.seconds <= 31,
        )
    if (r := find("province", "engine@60s")) is not None:
        add(
            "province: >= 99.5% of proved bound within 60 s, peak memory < 2 GB",
            f"{100 * r.served / r.bound:.2f}% in {r.seconds:.1f} s, {r.peak_mb:.0f} MB",
            r.served >= 0.995 * r.bound and r.seconds <= 61 and r.peak_mb < 2048,
        )
    if p95 is not None:
        add("re-dispatch of one order against a county plan: p95 < 100 ms", f"{1000 * p95:.0f} ms", p95 < 0.1)
    return "\n".join(out)


def write_report(path: str, text: str, cmd: str) -> None:
    """Write BENCHMARKS.md: how it was measured, the table, and the targets."""
    import ortools

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    head = f"""# Matching engine benchmarks

Reproduce with `{cmd}` (from the repository root, in the project's virtualenv).
Measured {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} on {os.cpu_count()} cores, Python
{platform.python_version()}, OR-Tools {ortools.__version__}. Instances come from `matching.generate` (seeded);
served priority is certified against the bound the engine proves itself (`stats.bound`); every solution was checked
by the validator. FCFS is `matching.baseline.fcfs`: orders in arrival order, nearest team that can field a crew,
earliest start, first free volunteers on the roster. Peak MB counts the solving process plus its worker processes.
Load average when the report was written: {load} (on 2 cores; other work on the machine slows every wall-clock
figure, the engine's time limits included).

"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + text + "\n\n" + NOTES)


NOTES = """## How the engine gets there

1. **Prune** (`matching/candidates.py`): a volunteer is a candidate for an order only if it holds a needed skill, is
   in a team the order does not exclude, lives within its `max_km`, has max_orders left and an availability
   interval covering duration plus travel both ways inside a window (vectorised with numpy, indexed by team, skill
   and day). Accepted (`fixed`) work is folded in first: its volunteers lose that time and one unit of max_orders.
2. **Split**: orders that share no candidate volunteer are independent parts. Instances above 2,500 orders are cut
   into geographic regions (stations linked within 20 km, big groups bisected) that run in parallel processes,
   then stitched: unserved orders get one more chance across regions, and the bound is proved on the whole instance.
3. **Construct**: greedy insertion (priority first, then scarce orders, cheapest crew, with a small penalty for
   volunteers many other orders need), an ejection-chain repair (bump what blocks an unserved order and re-place it)
   and squeaky-wheel rebuilds (orders left out move up the queue).
4. **Bound**: every order that could be served on its own, ignoring all others, counted once (exact, also when
   regions or team limits are used); on long runs of a county the LP relaxation (GLOP: team choice, crew counts,
   distinct volunteers, max_orders and each volunteer's free time) can tighten it, and guides repair; small parts
   are solved by the exact CP-SAT model, whose own bound is then used.
5. **Repair and polish** with CP-SAT large neighbourhood search: an unserved order with the orders holding its
   volunteers' time, or a served order with its competitors nearest in time, are re-placed with exact start times
   (interval variables, no-overlap per volunteer, everything else held fixed), each step bounded in deterministic
   time and kept only if served priority, then travel, improves.

Targets are measured here, not asserted in tests. The engine bounds its search by deterministic work, with wall
clock only as a safety net: on an idle machine a given seed and time limit give the same solution; on a busy one the
safety net can cut a run short and the answer can differ. The re-dispatch figure is wall clock (CPU in brackets):
it is sensitive to other load on the machine.
"""
