"""Benchmark the engine against first-come-first-served on every instance family, and write BENCHMARKS.md."""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from matching.baseline import fcfs
from matching.constraints import validate
from matching.domain import Instance, Solution
from matching.generate import FAMILIES, generate_family
from matching.io import instance_to_dict, solution_to_dict
from matching.params import Progress

# Engine time limits per family (seconds); the targets are measured at these.
RUNS: dict[str, tuple[float, ...]] = {
    "planted": (5.0,),
    "planted-8": (30.0,),
    "oversubscribed": (5.0, 30.0),
    "fixed-heavy": (5.0,),
    "sparse": (5.0,),
    "exclusions": (5.0,),
    "two-week": (10.0,),
    "adversarial": (5.0,),
    "province": (60.0,),
}
QUICK: dict[str, tuple[float, ...]] = {name: (limits[0] / 2,) for name, limits in RUNS.items()}
# The independent checker of the exchange format, used when it is there (it is not part of the project).
CHECKERS = ("../shared/tools/check_match.py", "/work/shared/tools/check_match.py")


@dataclass(frozen=True)
class Row:
    """One measured run."""

    family: str
    solver: str
    limit: float
    orders: int
    volunteers: int
    total: int
    optimum: int | None
    served: int
    bound: int
    unassigned: int
    travel_km: float
    travel_floor: float | None
    seconds: float
    reached: float | None  # seconds until the final served priority was first reported
    status: str
    peak_mb: float
    valid: bool
    checked: str  # what the independent checker said: "yes", "NO" or "-" (not present)


def _checker() -> str | None:
    here = Path(__file__).resolve().parent.parent
    for path in CHECKERS:
        candidate = (here / path).resolve() if not path.startswith("/") else Path(path)
        if candidate.is_file():
            return str(candidate)
    return None


def independent_check(instance: Instance, solution: Solution) -> str:
    """Run the exchange format's own checker on a solution if it is present: "yes", "NO", or "-"."""
    checker = _checker()
    if checker is None:
        return "-"
    with tempfile.TemporaryDirectory() as tmp:
        inst_path, sol_path = Path(tmp, "instance.json"), Path(tmp, "solution.json")
        inst_path.write_text(json.dumps(instance_to_dict(instance)), encoding="utf-8")
        sol_path.write_text(json.dumps(solution_to_dict(solution)), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, checker, str(inst_path), str(sol_path)], capture_output=True, check=False
        )
    return "yes" if done.returncode == 0 else "NO"


def _measure(job: tuple[str, int, str, float], conn) -> None:
    family, seed, solver, limit = job
    from matching.solver import solve

    made = generate_family(family, seed=seed)
    inst = made.instance
    ticks: list[Progress] = []
    t = time.monotonic()
    sol = fcfs(inst) if solver == "fcfs" else solve(inst, time_limit=limit, seed=seed, progress=ticks.append)
    secs = time.monotonic() - t
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # Worker processes run side by side with this one: count the biggest worker once per core as a ceiling.
    peak = me + (min(2, os.cpu_count() or 1) * kids if kids else 0.0)
    final = sol.stats.served_priority
    reached = next((p.seconds for p in ticks if p.served_priority >= final), None) if ticks else None
    s = sol.stats
    row = Row(
        family,
        solver,
        limit,
        len(inst.orders),
        len(inst.volunteers),
        inst.total_priority,
        made.optimum,
        s.served_priority,
        s.bound,
        len(sol.unassigned),
        s.travel_km,
        s.travel_bound_km,
        round(secs, 2),
        reached,
        s.status,
        round(peak),
        not validate(inst, sol),
        independent_check(inst, sol),
    )
    conn.send(row)
    conn.close()


def travel_floor_at(instance: Instance, served: int, seconds: float = 120.0) -> float | None:
    """A lower bound on the travel of any plan of the instance serving at least `served` priority (LP relaxation)."""
    from matching.candidates import Problem
    from matching.lp import Relaxation

    problem = Problem(instance)
    fixed_priority, fixed_km = 0, 0.0
    for accepted in problem.fixed_assignments:
        order = instance.order_by_id[accepted.order]
        fixed_priority += order.priority
        stations = (instance.volunteer_by_id[c.id].station for c in accepted.volunteers)
        fixed_km += sum(2 * problem.dist.km(station, order.station) for station in stations)
    feasible = [oi for oi in problem.free if problem.info[oi].feasible]
    floor = Relaxation(problem, feasible).travel_floor(served - fixed_priority, seconds)
    return None if floor is None else fixed_km + floor


def _floor_at(conn, family: str, seed: int, served: int) -> None:
    conn.send(travel_floor_at(generate_family(family, seed=seed).instance, served))
    conn.close()


def floor_line(family: str, seed: int, served: int) -> float | None:
    """travel_floor_at for a family's instance, in a fresh process (the LP takes a few hundred MB)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_floor_at, args=(child, family, seed, served))
    p.start()
    child.close()
    floor = parent.recv()
    p.join()
    return floor


def _redispatch(conn, family: str, seed: int, n: int) -> None:
    """Decline n random pending assignments of a plan one at a time and time each re-dispatch."""
    import dataclasses
    import random

    from matching.redispatch import redispatch
    from matching.solver import solve

    inst = generate_family(family, seed=seed).instance
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


def redispatch_line(family: str, seed: int, n: int = 50) -> tuple[str, float]:
    """Time n single-order re-dispatches against a plan of the family, in a fresh process."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_redispatch, args=(child, family, seed, n))
    p.start()
    child.close()
    walls, cpus, served, invalid = parent.recv()
    p.join()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Re-dispatch of one declined order against a {family} plan ({len(walls)} cases, each with the declining "
        f"team excluded): p50 {1000 * _pct(walls, 0.5):.0f} ms, p95 {1000 * _pct(walls, 0.95):.0f} ms, max "
        f"{1000 * max(walls):.0f} ms wall clock (CPU p95 {1000 * _pct(cpus, 0.95):.0f} ms); re-placed "
        f"{served} of {len(walls)}; invalid answers: {invalid}; load average then {load}."
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


def best_bounds(rows: list[Row]) -> dict[str, tuple[int, int]]:
    """Per family: the tightest bound any run proved (the optimum where planted) and the best served."""
    out: dict[str, tuple[int, int]] = {}
    for r in rows:
        bound, served = out.get(r.family, (r.bound if r.solver != "fcfs" else r.total, 0))
        if r.solver != "fcfs":
            bound = min(bound, r.bound)
        if r.optimum is not None:
            bound = min(bound, r.optimum)
        out[r.family] = (bound, max(served, r.served))
    return out


def table(rows: list[Row]) -> str:
    """The results as a Markdown table."""
    base = {r.family: r for r in rows if r.solver == "fcfs"}
    best = best_bounds(rows)
    lines = [
        "| family | orders | volunteers | solver | served | bound | best bound | gap | travel km | travel vs FCFS | "
        "travel floor | seconds | reached final | status | peak MB | valid | checker |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for r in rows:
        b = base.get(r.family)
        vs = f"{(r.travel_km / b.travel_km - 1) * 100:+.1f}%" if b and b.travel_km and r.solver != "fcfs" else ""
        top = best[r.family][0]
        gap = f"{100 * (top - r.served) / top:.2f}%" if top else "-"
        bound = "" if r.solver == "fcfs" else str(r.bound)
        best_text = f"{top}" + (" (optimum)" if r.optimum is not None else "")
        floor = "" if r.travel_floor is None else f"{r.travel_floor:.1f}"
        reached = "" if r.reached is None else f"{r.reached:.1f}"
        lines.append(
            f"| {r.family} | {r.orders} | {r.volunteers} | {r.solver} | {r.served} | {bound} | {best_text} | {gap} | "
            f"{r.travel_km:.1f} | {vs} | {floor} | {r.seconds:.2f} | {reached} | {r.status} | {r.peak_mb:.0f} | "
            f"{'yes' if r.valid else 'NO'} | {r.checked} |"
        )
    return "\n".join(lines)


def run_bench(
    *,
    families: list[str] | None = None,
    quick: bool = False,
    seed: int = 1,
    output: str | None = None,
    time_limit: float | None = None,
) -> int:
    """Measure every family, print the table and write it to output; exit code 1 if a solution is invalid."""
    families = list(families or FAMILIES)
    for name in families:
        if name not in FAMILIES:
            print(f"unknown family {name!r}; choose from {', '.join(FAMILIES)}", file=sys.stderr)
            return 2
    runs = QUICK if quick else RUNS
    jobs: list[tuple[str, int, str, float]] = []
    for name in families:
        jobs.append((name, seed, "fcfs", 0.0))
        for limit in [time_limit] if time_limit else runs.get(name, (10.0,)):
            jobs.append((name, seed, f"engine@{limit:g}s", limit))
    redispatch_family = "planted" if "planted" in families else None
    steps = len(jobs) + (redispatch_family is not None)
    rows = []
    loads = []
    for i, job in enumerate(jobs):
        _bar(i, steps, f"{job[0]} {job[2]}")
        loads.append(os.getloadavg()[0])
        rows.append(_run(job))
    text = table(rows)
    p95 = None
    if redispatch_family is not None:
        _bar(len(jobs), steps, f"{redispatch_family} re-dispatch")
        line, p95 = redispatch_line(redispatch_family, seed)
        text += "\n\n" + line
    floor = None
    if (over := next((r for r in rows if r.family == "oversubscribed" and r.limit == 30.0), None)) is not None:
        _bar(steps, steps, "oversubscribed travel floor")
        floor = floor_line("oversubscribed", seed, over.served)
    _bar(steps, steps, "done")
    text += "\n\n" + targets(rows, p95, floor)
    print(text)
    if output:
        cmd = (
            "python -m matching bench"
            + (f" --families {','.join(families)}" if families != list(FAMILIES) else "")
            + (" --quick" if quick else "")
            + (f" --seed {seed}" if seed != 1 else "")
            + (f" --time-limit {time_limit:g}" if time_limit else "")
        )
        write_report(output, text, cmd, loads)
    return 0 if all(r.valid and r.checked != "NO" for r in rows) else 1


def targets(rows: list[Row], p95: float | None, floor: float | None = None) -> str:
    """The issue's targets, each with what was measured and whether it is met."""

    def find(family: str, limit: float) -> Row | None:
        return next((r for r in rows if r.family == family and r.solver != "fcfs" and r.limit == limit), None)

    def fcfs_of(family: str) -> Row | None:
        return next((r for r in rows if r.family == family and r.solver == "fcfs"), None)

    best = best_bounds(rows)
    out = ["| target | measured | met |", "|---|---|---|"]

    def add(name: str, measured: str, ok: bool) -> None:
        out.append(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")

    for family, limit, aim in (("planted", 5.0, 1.0), ("planted-8", 30.0, 6.0)):
        if (r := find(family, limit)) is not None:
            reached = "-" if r.reached is None else f"{r.reached:.1f} s"
            add(
                f"{family}: every order served within {limit:g} s (aim: within {aim:g} s)",
                f"{r.served} of {r.optimum}, {r.unassigned} unserved, final plan reached at {reached}",
                r.optimum is not None and r.served == r.optimum and r.seconds <= limit * 1.1,
            )
    if (r := find("oversubscribed", 5.0)) is not None:
        top = best["oversubscribed"][0]
        add(
            "oversubscribed: >= 99.9% of the best bound within 5 s",
            f"{100 * r.served / top:.2f}% ({r.served} of {top})",
            r.served >= 0.999 * top and r.seconds <= 5.5,
        )
    if (r := find("oversubscribed", 30.0)) is not None and (b := fcfs_of("oversubscribed")) is not None:
        top = best["oversubscribed"][0]
        # What any plan serving as much must travel at least: when that is above 0.85 x FCFS, no plan meets it.
        proved = "" if floor is None else f"; any plan serving {r.served} travels >= {floor / b.travel_km:.2f} x FCFS"
        add(
            "oversubscribed: the optimum, with travel <= 0.85 x FCFS, within 30 s",
            f"{r.served} of bound {top}; travel {r.travel_km / b.travel_km:.2f} x FCFS{proved}",
            r.served >= top and r.travel_km <= 0.85 * b.travel_km,
        )
    if (r := find("province", 60.0)) is not None:
        top = best["province"][0]
        add(
            "province: >= 99.9% of the best bound within 60 s, peak memory < 2 GB",
            f"{100 * r.served / top:.2f}% in {r.seconds:.1f} s, {r.peak_mb:.0f} MB",
            r.served >= 0.999 * top and r.seconds <= 66 and r.peak_mb < 2048,
        )
    engine = [r for r in rows if r.solver != "fcfs"]
    loose = [(r.family, r.bound, best[r.family][1]) for r in engine if r.bound > 1.001 * best[r.family][1]]
    add(
        "every reported bound within 0.1% of the best known solution",
        "all within" if not loose else "; ".join(f"{f}: {b} vs {s} ({100 * (b - s) / s:.2f}%)" for f, b, s in loose),
        not loose,
    )
    short = [r for r in engine if r.status != "OPTIMAL" and r.seconds < 0.9 * r.limit]
    add(
        "uses >= 90% of its time limit unless it reports OPTIMAL",
        "all" if not short else "; ".join(f"{r.family}@{r.limit:g}s: {r.seconds:.1f} s" for r in short),
        not short,
    )
    if p95 is not None:
        add("re-dispatch of one order against a county plan: p95 < 50 ms", f"{1000 * p95:.0f} ms", p95 < 0.05)
    return "\n".join(out)


def write_report(path: str, text: str, cmd: str, loads: list[float]) -> None:
    """Write BENCHMARKS.md: how it was measured, the table, and the targets; other sections already there stay."""
    import ortools

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    during = f"{min(loads):.1f} to {max(loads):.1f}" if loads else "-"
    families = "\n".join(f"- `{name}`: {family.doc}." for name, family in FAMILIES.items())
    head = f"""# Matching engine benchmarks

Reproduce with `{cmd}` (from the repository root, in the project's virtualenv).
Measured {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} on {os.cpu_count()} cores, Python
{platform.python_version()}, OR-Tools {ortools.__version__}. **Machine load**: the 1-minute load average was
{during} when the runs started and {load} at the end (on 2 cores, shared with other work): every wall-clock figure,
the engine's own time limits included, is slowed by that load.

Instances come from the families of `matching.generate.generate_family` (seeded). Planted families know their
optimum (a hidden witness serves every order); the others are scored against the best bound any run proved. Gap is
(best bound - served) / best bound. "Travel floor" is the engine's proved lower bound on travel at its served
priority (LP relaxation, or each order's cheapest crew when everything servable is served). "Reached final" is
when the engine's progress callback first reported the final served priority. Every solution was checked by the
engine's validator and, when present, by the exchange format's independent checker. FCFS is
`matching.baseline.fcfs`: orders in arrival order, nearest team that can field a crew, earliest start, first free
volunteers on the roster. Peak MB counts the solving process plus its worker processes.

{families}

"""
    others = _others(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + text + "\n\n" + NOTES + others)


ENGINE_SECTIONS = ("## How the engine gets there", "## Reading these figures")


def _others(path: str) -> str:
    """Sections of an existing report that the engine did not write (from the first such heading on): kept."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError:
        return ""
    for i, line in enumerate(lines):
        if line.startswith("## ") and not line.startswith(ENGINE_SECTIONS):
            return "\n" + "".join(lines[i:])
    return ""


NOTES = """## How the engine gets there

1. **Prune** (`matching/candidates.py`): a volunteer is a candidate for an order only if it holds a needed skill, is
   in a team the order does not exclude, lives within its `max_km`, has max_orders left and an availability
   interval covering duration plus travel both ways inside a window. Accepted (`fixed`) work is folded in first.
   An order looks only at stations within the farthest reach of any volunteer (max_km, and the travel the longest
   free interval allows), which on a province is a small part of it.
2. **Split**: orders that share no candidate volunteer are independent parts; instances above 2,500 orders are
   cut into geographic regions solved in parallel and stitched (`matching/regions.py`). A region's pruning stops
   at 85% of its time and the stitch stops looking at unserved orders before the time limit; orders they had no
   time for are left unserved (reason `unknown`) and counted in the bound, most important orders looked at first.
3. **Bound** (`matching/lp.py`): the time-indexed LP relaxation (team choice, crews per skill, one need per
   volunteer, max_orders, interval lengths, and one row per maximal set of orders whose *sure* busy blocks share a
   minute for a volunteer), solved with HiGHS on the spare core while the search runs; it certifies the bound,
   orders the repairs and gives the travel floor. Small parts are solved exactly by CP-SAT, whose bound is then used.
4. **Construct** (`matching/construct.py`): greedy insertion, ejection chains, squeaky-wheel rebuilds.
5. **Repair and polish** (`matching/repair.py`, `matching/polish.py`): CP-SAT large neighbourhood search; the
   search is anytime, working until the time limit unless the bound and the travel floor prove nothing better
   exists; neighbourhoods widen when a round brings nothing. `--deterministic` bounds it by counted work instead.

Targets are measured here, not asserted in tests.
"""
