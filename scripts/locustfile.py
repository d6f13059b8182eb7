"""Headless locust users for scripts/load_http.py: residents' orders, leads answering, staff reading the dashboard,
and the one-row insert the order figures are compared with. Every account is a demo account (password diandan123).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gevent.lock import Semaphore
from locust import HttpUser, between, constant, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "diandan123")
TZ = ZoneInfo("Asia/Shanghai")
INBOX = "GET /proposals (inbox)"


_TOKENS: dict[str, dict[str, str]] = {}
_LOGIN = Semaphore()
# Every order sent carries a mark of its own in its notes; load_http.py then checks the stored orders one by one
# against what was acknowledged (201 and the order's id) and what was sent without an answer.
_LEDGER_PATH = os.environ.get("LOAD_LEDGER", "")
_RUN_MARK = os.environ.get("LOAD_RUN_MARK", "load")
_SENT: set[str] = set()
_ACKNOWLEDGED: dict[str, int] = {}


@events.quitting.add_listener
def _write_ledger(**_: object) -> None:
    if _LEDGER_PATH:
        with open(_LEDGER_PATH, "w") as f:
            json.dump({"sent": sorted(_SENT), "acknowledged": _ACKNOWLEDGED}, f)


def _login(user: HttpUser, username: str) -> dict[str, str]:
    """One token per account for all its simulated users: logging in (a slow password hash) is not what is measured."""
    with _LOGIN:
        if username not in _TOKENS:
            body = {"username": username, "password": PASSWORD}
            response = user.client.post("/api/v1/auth/token", json=body, name="login")
            response.raise_for_status()
            _TOKENS[username] = {"Authorization": f"Bearer {response.json()['token']}"}
    return _TOKENS[username]


class _Ordering(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.headers = _login(self, "station")
        stations = self.client.get("/api/v1/stations", headers=self.headers, name="setup").json()
        self.station_id = next(s["id"] for s in stations if s["level"] == "village")
        items = self.client.get(
            f"/api/v1/menu-items?station_id={self.station_id}", headers=self.headers, name="setup"
        ).json()
        self.items = [i["id"] for i in items][:3]
        self.turn = 0

    def place(self) -> None:
        self.turn += 1
        day = (datetime.now(TZ) + timedelta(days=2 + self.turn % 5)).date()
        start = datetime(day.year, day.month, day.day, 8, tzinfo=TZ)
        body = {
            "menu_item_id": self.items[self.turn % len(self.items)],
            "station_id": self.station_id,
            "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=10)).isoformat()}],
            "resident": {"name": "压测居民", "phone": "13900000000"},
            "notes": f"{_RUN_MARK}:{uuid.uuid4().hex}",
        }
        _SENT.add(body["notes"])
        response = self.client.post("/api/v1/orders", json=body, headers=self.headers, name="POST /orders")
        if response.status_code == 201:
            _ACKNOWLEDGED[body["notes"]] = response.json()["id"]


class OrderCreator(_Ordering):
    """Station staff ordering for walk-in residents, back to back (the throughput comparison)."""

    wait_time = constant(0)

    @task
    def order(self) -> None:
        self.place()


class OneRowInsert(HttpUser):
    """The floor: one row into the same database (DIANDAN_BENCH_ENDPOINTS=1), back to back."""

    wait_time = constant(0)

    @task
    def insert(self) -> None:
        self.client.post("/bench/insert", name="POST /bench/insert")


class Resident(_Ordering):
    """A resident's order now and then (the mixed load)."""

    wait_time = between(0.5, 1.5)

    @task
    def order(self) -> None:
        self.place()


class TeamLead(HttpUser):
    """A team lead reading the inbox and answering the first pending proposal."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.headers = _login(self, "lead")

    @task(3)
    def inbox(self) -> None:
        self.client.get("/api/v1/proposals?status=pending", headers=self.headers, name=INBOX)

    @task(1)
    def answer(self) -> None:
        pending = self.client.get(
            "/api/v1/proposals?status=pending", headers=self.headers, name="GET /proposals (inbox)"
        )
        if not pending.ok or not pending.json():
            return
        proposal = pending.json()[0]["id"]
        url = f"/api/v1/proposals/{proposal}/accept"
        with self.client.post(url, headers=self.headers, name="POST /proposals/{id}/accept", catch_response=True) as r:
            if r.status_code == 409:  # the rules refused it (a clash, a lapse): an answer, not an error
                r.success()


class CountyStaff(HttpUser):
    """County staff reading the dashboard figures and the order list."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.headers = _login(self, "county")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/api/v1/coverage", headers=self.headers, name="GET /coverage (dashboard)")

    @task(1)
    def orders(self) -> None:
        self.client.get("/api/v1/orders?limit=50", headers=self.headers, name="GET /orders")
