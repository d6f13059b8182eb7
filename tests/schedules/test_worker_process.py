"""A Celery pool process builds its own app as it starts, so its first dispatch run does not pay for that."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from schedules import worker


def test_a_new_pool_process_builds_its_app_before_its_first_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIANDAN_CONFIG", "config.TestingConfig")
    inherited = Flask("inherited")
    monkeypatch.setattr(worker, "_app", inherited)
    monkeypatch.setattr(worker.gc, "freeze", lambda: frozen.append(True))
    frozen: list[bool] = []
    worker._fresh_app_per_child()
    built = worker._app
    assert isinstance(built, Flask) and built is not inherited and built.config["TESTING"]
    assert worker.flask_app() is built  # the first task uses it
    # What it loaded is taken out of the garbage collector's rounds (a run's collections do not walk it).
    assert frozen == [True]


def test_an_app_that_cannot_be_built_at_start_is_logged_and_left_to_the_first_task(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(config: str) -> Flask:
        raise RuntimeError("no settings")

    monkeypatch.setattr("app.create_app", broken)
    monkeypatch.setattr(worker.gc, "freeze", lambda: None)
    monkeypatch.setattr(worker, "_app", Flask("inherited"))
    with caplog.at_level(logging.ERROR, logger="diandan.worker"):
        worker._fresh_app_per_child()
    assert worker._app is None
    assert any("could not build the app" in r.getMessage() for r in caplog.records)
    with pytest.raises(RuntimeError, match="no settings"):
        worker.flask_app()
