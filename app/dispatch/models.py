"""Dispatch (派单): runs of the matching engine and the proposals they make to teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.menu.models import Skill
from app.orders.models import Order
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer

PROPOSAL_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn")
# A live proposal holds its crew's time: awaiting an answer, or accepted.
LIVE = ("pending", "accepted")


class DispatchRun(db.Model):
    """One run of the engine over one county's open orders, with its figures."""

    __tablename__ = "dispatch_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="running")
    solver_status: Mapped[str] = mapped_column(String(32), default="")
    orders_considered: Mapped[int] = mapped_column(default=0)
    orders_proposed: Mapped[int] = mapped_column(default=0)
    orders_unassigned: Mapped[int] = mapped_column(default=0)
    volunteers_considered: Mapped[int] = mapped_column(default=0)
    served_priority: Mapped[int] = mapped_column(default=0)
    bound: Mapped[int] = mapped_column(default=0)
    travel_km: Mapped[float] = mapped_column(default=0.0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(String(400), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Unassigned orders with the engine's reasons, for staff to read.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    county: Mapped[Station] = relationship()
    created_by: Mapped[User | None] = relationship()


class Proposal(db.Model):
    """The engine's proposal that a team serve an order at a time with a crew; the lead answers it."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_runs.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decline_reason: Mapped[str] = mapped_column(String(400), default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The engine's cost terms for this assignment (travel per volunteer, preferences), for the inbox.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship()
    team: Mapped[Team] = relationship()
    run: Mapped[DispatchRun | None] = relationship()
    responded_by: Mapped[User | None] = relationship()
    crew: Mapped[list[ProposalMember]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalMember.id"
    )


class ProposalMember(db.Model):
    """A volunteer on a proposal's crew and the need (skill) they fill."""

    __tablename__ = "proposal_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="crew")
    volunteer: Mapped[Volunteer] = relationship()
    skill: Mapped[Skill] = relationship()
