"""Audit entries: who did what, when, from where; rows are only ever inserted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, CheckConstraint, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db

OUTCOMES = ("ok", "denied")


class AuditEntry(db.Model):
    """One recorded action; actor and target are kept as snapshots so the row outlives them."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'denied')", name="outcome"),
        Index("ix_audit_entries_station_at", "station_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Plain ids, no foreign keys: an entry must outlive (and never be rewritten by) the user or station it names.
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    actor_username: Mapped[str] = mapped_column(String(64), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    # Dotted name of what was done, e.g. "order.cancel", "phone.unmask", "auth.login_failed".
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(10), default="ok")
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    # The station the action concerns (or the actor's scope): county staff see entries inside their scope.
    station_id: Mapped[int | None] = mapped_column()
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(10), default="")
    path: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AppendOnlyViolation(RuntimeError):
    """An attempt to change or remove an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # noqa: ANN001
    raise AppendOnlyViolation("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:  # noqa: ANN001
    raise AppendOnlyViolation("audit entries are append-only")


# PostgreSQL refuses UPDATE and DELETE on the table itself, whatever the client (TRUNCATE stays for test wipes).
APPEND_ONLY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER_SQL = (
    "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
)

event.listen(AuditEntry.__table__, "after_create", DDL(APPEND_ONLY_FUNCTION_SQL).execute_if(dialect="postgresql"))
event.listen(AuditEntry.__table__, "after_create", DDL(APPEND_ONLY_TRIGGER_SQL).execute_if(dialect="postgresql"))
