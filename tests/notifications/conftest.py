"""Notification fixtures: the roster fixtures (the clock at T0)."""

from tests.rosters.conftest import at_t0  # noqa: F401
