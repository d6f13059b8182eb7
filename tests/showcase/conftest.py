"""Showcase fixtures: photos kept in a temporary instance folder, and served (rated) orders to add them to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.incentives.conftest import serve  # noqa: F401  (the served-order builder)


@pytest.fixture(autouse=True)
def photo_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Photos go under a temporary instance folder, never the repository's."""
    before = app.config.get("INSTANCE_PATH")
    app.config["INSTANCE_PATH"] = str(tmp_path)
    try:
        yield tmp_path / "photos"
    finally:
        app.config["INSTANCE_PATH"] = before
