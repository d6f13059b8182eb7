"""Page test fixtures: a client that signs in as any test user, and builders for orders in each state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import g
from flask.testing import FlaskClient

from app.accounts.access import STATION_CACHES
from app.accounts.models import User
from app.core.timeutil import LOCAL_TZ
from app.dispatch import crew as crew_service
from app.dispatch import proposals as proposals_service
from app.dispatch import runs as runs_service
from app.extensions import db as _db
from app.orders import service as order_service
from tests.factories import PASSWORD, World


class PageClient(FlaskClient):
    """A test client whose requests do not share Flask-Login's or Flask-Babel's per-context caches.

    The db fixture keeps one app context open for the whole test, and Flask reuses it for every request,
    so the signed-in user and the locale cached in `g` would otherwise leak from one request to the next.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003
        for key in ("_login_user", "_flask_babel", *STATION_CACHES):
            g.pop(key, None)
        return super().open(*args, **kwargs)

    def login(self, username: str, password: str = PASSWORD):
        """Sign in through the login form."""
        self.post("/logout")
        response = self.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


def window(days: int = 1, hour_from: int = 9, hour_to: int = 12) -> dict:
    """A window on a local day ahead."""
    day = (datetime.now(LOCAL_TZ) + timedelta(days=days)).date()
    return {
        "start": datetime(day.year, day.month, day.day, hour_from, tzinfo=LOCAL_TZ),
        "end": datetime(day.year, day.month, day.day, hour_to, tzinfo=LOCAL_TZ),
    }


def user(world: World, key: str) -> User:
    """A test user, fresh from the session."""
    return _db.session.get(User, world.users[key].id)


@pytest.fixture()
def make_order(world: World) -> Callable[..., int]:
    """Return a builder: place an order as station staff and take it to a state; returns the order id."""

    def build(state: str = "submitted", item: str = "MI-15") -> int:
        staff = user(world, "staff")
        order = order_service.place_order(
            user=staff,
            menu_item_id=world.menu_item(item).id,
            station_id=world.stations["PY-BY-01"].id,
            windows=[window()],
            resident={"name": "马大爷", "phone": "13900000000"},
        )
        _db.session.commit()
        order_id = order.id
        if state == "submitted":
            return order_id
        runs_service.run_dispatch_for_counties(county_code="PY", trigger="test", actor=None, time_limit=2)
        _db.session.commit()
        if state == "dispatched":
            return order_id
        lead = user(world, "lead_v")
        proposal = proposals_service.list_proposals(user=lead, status="pending")[0]
        proposals_service.accept_proposal(user=lead, proposal_id=proposal.id)
        _db.session.commit()
        if state == "accepted":
            return order_id
        crew = [m.volunteer_id for m in proposal.crew]
        for volunteer_id in crew:
            crew_service.check_in(user=lead, order_id=order_id, volunteer_id=volunteer_id)
        if state == "in_service":
            _db.session.commit()
            return order_id
        for volunteer_id in crew:
            crew_service.check_out(user=lead, order_id=order_id, volunteer_id=volunteer_id)
        _db.session.commit()
        return order_id

    return build
