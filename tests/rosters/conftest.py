"""Roster fixtures: the test county with the clock at T0 (Wednesday of 2026-W49)."""

from __future__ import annotations

import pytest
from flask import g

from app.core.timeutil import set_clock
from tests.rosters.builders import T0


@pytest.fixture()
def at_t0(world):
    """The world, with the clock frozen at T0."""
    set_clock(T0)
    return world


@pytest.fixture()
def login(client):
    """Return a helper that signs a user in to the pages (Flask-Login session)."""

    def sign_in(user) -> None:
        # The db fixture's app context outlives requests, so Flask-Login's cached user would leak into the next.
        g.pop("_login_user", None)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    return sign_in
