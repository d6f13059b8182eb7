"""Command line: solve, check, generate and bench matching instances."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from matching.constraints import objective, validate
from matching.io import InstanceError, instance_from_dict, solution_from_dict, solution_to_dict
from matching.params import Progress


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _write_json(data: Any, path: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if path:
        Path(path).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve an instance file and write the solution."""
    from matching.solver import solve

    try:
        instance = instance_from_dict(_read_json(args.instance))
    except (OSError, ValueError) as e:
        print(f"cannot read {args.instance}: {e}", file=sys.stderr)
        return 2
    progress = None
    if args.progress:

        def progress(p: Progress) -> None:
            print(
                f"[{p.seconds:7.2f}s] {p.stage}: served {p.served_priority} bound {p.bound} travel {p.travel_km:.1f}",
                file=sys.stderr,
            )

    sol = solve(
        instance,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        deterministic=args.deterministic,
        progress=progress,
    )
    _write_json(solution_to_dict(sol), args.output)
    s = sol.stats
    print(
        f"{s.status}: served_priority={s.served_priority} bound={s.bound} travel_km={s.travel_km} "
        f"unassigned={len(sol.unassigned)} seconds={s.seconds}",
        file=sys.stderr,
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a solution against an instance and print the objective."""
    try:
        instance = instance_from_dict(_read_json(args.instance))
        solution = solution_from_dict(_read_json(args.solution))
    except (OSError, ValueError, InstanceError) as e:
        print(f"cannot read: {e}")
        return 2
    errors = validate(instance, solution)
    for e in errors[:50]:
        print("BROKEN:", e)
    if len(errors) > 50:
        print(f"... and {len(errors) - 50} more")
    served, km = objective(instance, solution)
    print(
        f"{'invalid' if errors else 'valid'}: served_priority={served} of {instance.total_priority}, "
        f"travel_km={round(km, 3)}, bound={solution.stats.bound}"
    )
    return 1 if errors else 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Write a generated instance."""
    from matching.generate import FAMILIES, SCALES, generate, generate_family
    from matching.io import instance_to_dict

    if args.family:
        if args.family not in FAMILIES:
            print(f"unknown family {args.family!r}; choose from {', '.join(FAMILIES)}", file=sys.stderr)
            return 2
        _write_json(instance_to_dict(generate_family(args.family, seed=args.seed).instance), args.output)
        return 0
    if args.scale not in SCALES:
        print(f"unknown scale {args.scale!r}; choose from {', '.join(SCALES)}", file=sys.stderr)
        return 2
    _write_json(instance_to_dict(generate(args.scale, seed=args.seed)), args.output)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark table and write BENCHMARKS.md."""
    from matching.bench import run_bench

    families = [s for s in args.families.split(",") if s] if args.families else None
    return run_bench(
        families=families, quick=args.quick, seed=args.seed, output=args.output, time_limit=args.time_limit
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m matching`."""
    ap = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("solve", help="solve INSTANCE.json")
    p.add_argument("instance")
    p.add_argument("-o", "--output")
    p.add_argument("--time-limit", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument(
        "--deterministic", action="store_true", help="bounded by counted work, one worker: the same answer every run"
    )
    p.add_argument("--progress", action="store_true", help="print progress (time, served, bound, travel) to stderr")
    p.add_argument("-v", "--verbose", action="store_true", help="log the engine's stages")
    p.set_defaults(func=cmd_solve)
    p = sub.add_parser("check", help="check SOLUTION.json against INSTANCE.json")
    p.add_argument("instance")
    p.add_argument("solution")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("generate", help="generate a seeded instance")
    p.add_argument("--scale", default="county", help="a scale of the first generator")
    p.add_argument("--family", default=None, help="a benchmark family instead (see BENCHMARKS.md)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser("bench", help="benchmark the engine against first-come-first-served")
    p.add_argument("--families", default=None, help="comma-separated, e.g. planted,oversubscribed (default: all)")
    p.add_argument("--quick", action="store_true", help="half the time limits")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=None, help="override every family's time limit")
    p.add_argument("-v", "--verbose", action="store_true", help="log the engine's stages")
    p.add_argument("-o", "--output", default="BENCHMARKS.md")
    p.set_defaults(func=cmd_bench)
    args = ap.parse_args(argv)
    if getattr(args, "verbose", False):
        logging.basicConfig(level=logging.DEBUG, format="%(relativeCreated)8.0f ms %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
