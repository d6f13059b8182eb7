"""Builders for small hand-made matching instances."""

from __future__ import annotations

from typing import Any

import pytest

from matching.io import instance_from_dict


def base_instance(**over: Any) -> dict[str, Any]:
    """Two stations 10 km apart (straight line), one team, two volunteers, one order."""
    d: dict[str, Any] = {
        "format": "diandan.match/1",
        "horizon": {"start": "2026-12-07T00:00:00+08:00", "minutes": 10080},
        "travel": {"road_factor": 1.0, "speed_kmh": 60},
        "stations": [
            {"id": "home", "lat": 35.9, "lon": 106.6, "level": "township"},
            {"id": "far", "lat": 35.9 + 10 / 111.195, "lon": 106.6, "level": "village"},
        ],
        "teams": [{"id": "tm-1", "station": "home", "level": "township"}],
        "volunteers": [
            {
                "id": "v-1",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 2,
            },
            {
                "id": "v-2",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid", "medical"],
                "available": [[0, 600]],
                "max_orders": 2,
            },
        ],
        "orders": [
            {
                "id": "o-1",
                "station": "far",
                "needs": [{"skill": "first-aid", "count": 1}],
                "duration": 60,
                "windows": [[100, 300]],
                "priority": 3,
            }
        ],
    }
    d.update(over)
    return d


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
