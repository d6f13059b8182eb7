"""Half-open integer or datetime intervals [start, end): merging and cutting, shared by availability and dispatch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

T = TypeVar("T", int, datetime)


def union(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """Sorted, non-overlapping intervals covering the same points (touching ones are joined)."""
    merged: list[tuple[T, T]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(spans: Iterable[tuple[T, T]], cut: tuple[T, T]) -> list[tuple[T, T]]:
    """The intervals with the part inside `cut` removed."""
    out: list[tuple[T, T]] = []
    for start, end in spans:
        if end <= cut[0] or start >= cut[1]:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if end > cut[1]:
            out.append((cut[1], end))
    return out
