"""The load scripts' helpers (scripts/load_http.py): the order-by-order check that every acknowledged order is
stored once, and the gunicorn both load scripts serve the app with."""

from __future__ import annotations

import importlib.util
import os
import urllib.request
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("load_http", Path(__file__).resolve().parents[2] / "scripts/load_http.py")
assert spec and spec.loader
load_http = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load_http)


def test_every_acknowledged_order_stored_once_and_the_rest_in_flight_passes() -> None:
    ledger = {"sent": ["m:a", "m:b", "m:c", "m:d"], "acknowledged": {"m:a": 1, "m:b": 2}}
    report = load_http.check_ledger([ledger], [("m:a", 1), ("m:b", 2), ("m:c", 3)])
    assert report["ok"] and report["acknowledged_and_stored_once"] == 2
    assert report["stored_unanswered_in_flight"] == 1 and report["stored"] == 3


def test_a_lost_a_doubled_or_an_unknown_order_fails_the_check() -> None:
    ledger = {"sent": ["m:a", "m:b", "m:c"], "acknowledged": {"m:a": 1, "m:b": 2, "m:c": 4}}
    report = load_http.check_ledger([ledger], [("m:a", 1), ("m:c", 4), ("m:c", 5), ("m:x", 6)])
    assert not report["ok"]
    assert report["acknowledged_not_stored"] == 2  # m:b is missing; m:c is stored twice, not once under 4
    assert report["stored_twice"] == 1 and report["stored_never_sent"] == 1


def test_served_answers_once_ready_and_is_stopped_after(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/served.db", "WEB_CONCURRENCY": "1"}
    with load_http.served(env) as host:
        assert urllib.request.urlopen(host + "/healthz", timeout=5).status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(host + "/healthz", timeout=5)
