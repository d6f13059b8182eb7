"""Flask-Limiter counters kept in the service's own database, so every worker and process shares them."""

from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.statements import rows_changed
from app.extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter: how many hits under a key until the window expires (epoch seconds)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DatabaseStorage(Storage):
    """A `limits` storage on the app's database (URI `diandan-db://`); each call is its own short transaction."""

    STORAGE_SCHEME = ["diandan-db"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to a counter in one atomic upsert, starting a new window when the old one has expired."""
        now = time.time()
        table = RateLimitCounter.__table__
        engine = db.engine
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        expired = table.c.expires_at <= now
        statement = (
            insert(table)
            .values(key=key, count=max(amount, 0), expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    # A negative amount gives a hit back; it never takes a counter below zero.
                    "count": case(
                        (expired, max(amount, 0)), (table.c.count + amount < 0, 0), else_=table.c.count + amount
                    ),
                    "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        with engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            value = connection.execute(
                select(table.c.count).where(table.c.key == key, table.c.expires_at > time.time())
            ).scalar()
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            value = connection.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.__table__.c.key == key))


def purge_expired(*, now: float | None = None) -> int:
    """Drop counters whose window has passed (housekeeping)."""
    return rows_changed(
        delete(RateLimitCounter).where(RateLimitCounter.expires_at <= (now if now is not None else time.time()))
    )
