"""Server-side paging of a select: one page of rows and how many match in all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func

from app.extensions import db

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of rows and how many match in all."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query: Select[Any], *, order_by: Any, page: int, per_page: int) -> Page[Any]:
    """The page'th page (from 1; less counts as 1) of the query's rows in the given order, counted in SQL."""
    total = db.session.scalar(db.select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(1, page)
    items = list(db.session.scalars(query.order_by(order_by).limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)
