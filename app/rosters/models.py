"""Published rosters (a versioned snapshot per team and per volunteer and week) and calendar feed keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.volunteers.models import Team, Volunteer


class RosterVersion(db.Model):
    """One published version of a team's or a volunteer's roster for one week, with what changed since the last."""

    __tablename__ = "roster_versions"
    __table_args__ = (
        UniqueConstraint("owner_key", "week_start", "version", name="uq_roster_versions_owner_week_version"),
        CheckConstraint(
            "(kind = 'team' AND team_id IS NOT NULL AND volunteer_id IS NULL) OR "
            "(kind = 'volunteer' AND volunteer_id IS NOT NULL AND team_id IS NULL)",
            name="owner",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # "team:3" or "volunteer:7": one key for both owners so one unique constraint covers them.
    owner_key: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(index=True)
    version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    team: Mapped[Team | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()


class FeedKey(db.Model):
    """A user's calendar feed secret: feed tokens are an HMAC over it, so rotating it revokes every old link."""

    __tablename__ = "roster_feed_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
