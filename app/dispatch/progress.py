"""The engine's progress during a run, written where the dispatch page can read it while the run goes on.

The run's own transaction commits only at its end, so each report is written on a connection of its own, at most
once a second. Only on PostgreSQL: SQLite has one writer at a time, and the run's transaction may hold it.
"""

from __future__ import annotations

import logging
import time

import matching
from app.core.timeutil import utcnow
from app.dispatch.models import DispatchProgress
from app.extensions import db

logger = logging.getLogger("diandan.dispatch")

REPORT_EVERY_S = 1.0


def progress_reporter(run_id: int) -> matching.ProgressCallback | None:
    """A callback for matching.solve that records its reports for run `run_id` (None on SQLite)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    from sqlalchemy.dialects.postgresql import insert

    table = DispatchProgress.__table__
    last = [float("-inf")]

    def report(progress: matching.Progress) -> None:
        now = time.monotonic()
        if progress.stage != "done" and now - last[0] < REPORT_EVERY_S:
            return
        last[0] = now
        values = {
            "run_id": run_id,
            "at": utcnow(),
            "seconds": progress.seconds,
            "served": progress.served_priority,
            "bound": progress.bound,
            "travel_km": progress.travel_km,
            "stage": progress.stage[:32],
        }
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.run_id], set_={k: v for k, v in values.items() if k != "run_id"}
        )
        try:
            with engine.begin() as connection:
                # Never wait on the run's own locks: a report skipped is harmless, a stalled run is not.
                connection.execute(db.text("SET LOCAL lock_timeout = '200ms'"))
                connection.execute(statement)
        except Exception:  # noqa: BLE001 (progress is a courtesy; the run goes on)
            logger.debug("progress of run %s not recorded", run_id, exc_info=True)

    return report
