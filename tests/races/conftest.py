"""Race fixtures: the app served on 127.0.0.1 by a threaded server, on PostgreSQL, and a way to fire many requests
at once. Every test here is marked `postgres` and skips cleanly on SQLite (one writer at a time: no race)."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.core.timeutil import LOCAL_TZ, utcnow
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.menu.models import Skill
from app.orders import service as orders
from app.orders.models import Order
from app.volunteers.models import Team, Volunteer
from tests.factories import World


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Mark every test in this folder `postgres`; skip them all when the test database is not PostgreSQL."""
    here = Path(__file__).parent
    from config import TestingConfig

    on_pg = TestingConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.postgres)
            if not on_pg:
                item.add_marker(pytest.mark.skip(reason="races need PostgreSQL (TEST_DATABASE_URL)"))


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status and JSON body."""

    status: int
    body: object


@dataclass(frozen=True)
class Call:
    """One HTTP request to fire."""

    method: str
    path: str
    headers: dict[str, str]
    body: object | None = None


class Server:
    """The served app: fire requests at it all at once."""

    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, call: Call) -> Reply:
        """One request on its own connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            payload = None if call.body is None else json.dumps(call.body)
            headers = {"Content-Type": "application/json", **call.headers}
            connection.request(call.method, call.path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return Reply(response.status, json.loads(raw) if raw else None)
        finally:
            connection.close()

    def fire(self, calls: list[Call]) -> list[Reply]:
        """Send every call at the same moment (each from its own thread, released together)."""
        start = threading.Barrier(len(calls))

        def one(call: Call) -> Reply:
            start.wait()
            return self.send(call)

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(one, calls))


@pytest.fixture()
def server(app: Flask, world: World) -> Iterator[Server]:
    """The app served by werkzeug's threaded server (a thread per request) on a free port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(served.server_port)
    finally:
        served.shutdown()
        thread.join()
        served.server_close()


@pytest.fixture()
def bearer(token_for) -> dict:
    """username -> Authorization header (tokens made once per test)."""
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = token_for(username)
        return cache[username]

    return get


def slot(index: int, *, days: int = 1, hours: int = 2) -> datetime:
    """A distinct two-hour service slot per index, local daytime, from tomorrow on."""
    day = (datetime.now(LOCAL_TZ) + timedelta(days=days + index // 4)).date()
    return datetime(day.year, day.month, day.day, 8 + 3 * (index % 4), tzinfo=LOCAL_TZ)


def placed_order(world: World, start: datetime) -> Order:
    """An elder-care visit (MI-15) placed by station staff for a walk-in, wanted around `start`."""
    return orders.place_order(
        user=world.users["staff"],
        menu_item_id=world.menu_item("MI-15").id,
        station_id=world.stations["PY-BY-01"].id,
        windows=[{"start": start, "end": start + timedelta(hours=3)}],
        resident={"name": "马大爷", "phone": "13900000000"},
    )


def proposed_order(world: World, start: datetime, crew: list[Volunteer], *, team: Team | None = None) -> Proposal:
    """A dispatched order: placed, with a pending proposal to the village team for `crew` at `start`."""
    order = placed_order(world, start)
    skill = db.session.scalar(db.select(Skill).where(Skill.code == "elder-care"))
    proposal = Proposal(
        order=order,
        team=team or world.teams["T-V-A1"],
        start_at=start,
        end_at=start + timedelta(minutes=order.duration_minutes),
        deadline_at=utcnow() + timedelta(hours=12),
        status="pending",
        explanation={},
    )
    proposal.crew = [ProposalMember(volunteer=v, skill=skill) for v in crew]
    db.session.add(proposal)
    orders.transition(order, "dispatched", actor=None, reason="proposed (test)")
    db.session.flush()
    return proposal


def accepted_order(world: World, start: datetime, crew: list[Volunteer], *, team: Team | None = None) -> Proposal:
    """An accepted order: proposed, then accepted by the team's lead through the service."""
    from app.dispatch.proposals import accept_proposal

    proposal = proposed_order(world, start, crew, team=team)
    lead = db.session.get(type(world.users["admin"]), proposal.team.lead_user_id)
    return accept_proposal(user=lead, proposal_id=proposal.id)


def assert_doctor_clean() -> None:
    """Every invariant holds in the database (what `diandan doctor` checks)."""
    from app.integrity.service import find_violations

    db.session.remove()
    violations = find_violations()
    assert violations == [], "\n".join(map(str, violations))


def no_server_errors(replies: list[Reply]) -> None:
    """No reply was a 5xx."""
    errors = [r for r in replies if r.status >= 500]
    assert errors == [], errors[:3]
