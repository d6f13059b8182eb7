"""Interval arithmetic shared by availability and dispatch."""

from app.core.intervals import subtract, union


def test_union_joins_overlapping_and_touching() -> None:
    assert union([(5, 8), (0, 3), (3, 4), (7, 10)]) == [(0, 4), (5, 10)]


def test_subtract_cuts_the_middle_and_the_edges() -> None:
    assert subtract([(0, 10), (20, 30)], (5, 25)) == [(0, 5), (25, 30)]
    assert subtract([(0, 10)], (0, 10)) == []
    assert subtract([(0, 10)], (10, 12)) == [(0, 10)]
