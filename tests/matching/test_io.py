"""The JSON format round-trips, and malformed input is refused with the bad field named."""

from __future__ import annotations

import json

import pytest

from matching import (
    InstanceError,
    instance_from_dict,
    instance_to_dict,
    solution_from_dict,
    solution_to_dict,
    solve,
)
from matching.__main__ import main
from matching.generate import generate


def test_instance_round_trip():
    inst = generate("tiny", seed=1)
    assert instance_from_dict(json.loads(json.dumps(instance_to_dict(inst)))) == inst


def test_solution_round_trip():
    inst = generate("tiny", seed=1)
    sol = solve(inst, time_limit=1, workers=1)
    again = solution_from_dict(json.loads(json.dumps(solution_to_dict(sol))))
    assert again == sol


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["volunteers"][0].update(team="nope"), "volunteers[0].team"),
        (lambda d: d["orders"][0].update(station="nope"), "orders[0].station"),
        (lambda d: d["orders"][0].update(exclude_teams=["nope"]), "orders[0].exclude_teams[0]"),
        (lambda d: d["volunteers"][1].update(id="v-1"), "volunteers[1].id"),
        (lambda d: d["volunteers"][0].update(available=[[300, 400], [0, 100]]), "volunteers[0].available[1]"),
        (lambda d: d["volunteers"][0].update(available=[[0, 400], [300, 500]]), "volunteers[0].available[1]"),
        (lambda d: d["orders"][0].update(windows=[[100, 100]]), "orders[0].windows[0]"),
        (lambda d: d["orders"][0].pop("duration"), "orders[0].duration"),
        (lambda d: d["orders"][0].update(priority="high"), "orders[0].priority"),
        (lambda d: d["stations"][0].update(level="city"), "stations[0].level"),
        (
            lambda d: d.update(fixed=[{"order": "o-9", "team": "tm-1", "start": 120, "volunteers": ["v-1"]}]),
            "fixed[0].order",
        ),
        (
            lambda d: d.update(fixed=[{"order": "o-1", "team": "tm-1", "start": 120, "volunteers": ["v-9"]}]),
            "fixed[0].volunteers[0]",
        ),
    ],
)
def test_malformed_instances_name_the_field(instance_data, change, field):
    d = instance_data()
    change(d)
    with pytest.raises(InstanceError, match=field.replace("[", r"\[").replace("]", r"\]")):
        instance_from_dict(d)


def test_cli_solve_and_check(instance_data, tmp_path, capsys):
    inst_path = tmp_path / "i.json"
    sol_path = tmp_path / "s.json"
    inst_path.write_text(json.dumps(instance_data()))
    assert main(["solve", str(inst_path), "-o", str(sol_path), "--time-limit", "1"]) == 0
    assert json.loads(sol_path.read_text())["format"] == "diandan.match-solution/1"
    assert main(["check", str(inst_path), str(sol_path)]) == 0
    assert "valid: served_priority=3" in capsys.readouterr().out
    bad = json.loads(sol_path.read_text())
    bad["assignments"][0]["start"] = 290
    sol_path.write_text(json.dumps(bad))
    assert main(["check", str(inst_path), str(sol_path)]) == 1
    sol_path.write_text("{not json")
    assert main(["check", str(inst_path), str(sol_path)]) == 2


def test_bench_report_keeps_sections_it_did_not_write(tmp_path):
    from matching.bench import write_report

    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# old\n\nold table\n\n## How the engine gets there\n\nold notes\n\n## Service figures\n\nkept\n")
    write_report(str(report), "| new table |", "python -m matching bench", [1.0])
    text = report.read_text()
    assert "| new table |" in text and "old table" not in text and "old notes" not in text
    assert text.endswith("## Service figures\n\nkept\n") and text.count("## How the engine gets there") == 1
