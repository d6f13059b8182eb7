"""Fixtures building small hand-made matching instances (see builders.py for the parts)."""

from __future__ import annotations

from typing import Any

import pytest

from matching.io import instance_from_dict
from tests.matching.builders import base_instance


@pytest.fixture
def make_instance():
    """Build an Instance from base_instance() with overrides."""

    def build(**over: Any):
        return instance_from_dict(base_instance(**over))

    return build


@pytest.fixture
def instance_data():
    """Build the raw dict of base_instance() with overrides."""
    return base_instance
