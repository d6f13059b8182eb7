"""What a part of the search has proved so far: a bound on served priority, LP guidance and a travel floor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Certificate:
    """What a part has proved so far: a bound on served priority, LP guidance, and a travel floor at the bound."""

    bound: int
    guide: dict[int, float]
    floor: float | None = None  # least travel of any plan serving `bound`

    def absorb(self, bound: int, guide: dict[int, float], floor: float | None) -> None:
        """Take a tighter bound (and its guidance and floor)."""
        if bound < self.bound:
            self.bound, self.guide, self.floor = bound, guide, floor
        elif bound == self.bound:
            self.guide = guide or self.guide
            if floor is not None:
                self.floor = floor if self.floor is None else max(self.floor, floor)
