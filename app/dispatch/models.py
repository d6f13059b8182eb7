"""Dispatch (派单): runs of the matching engine and the proposals they make to teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, CheckConstraint, FetchedValue, ForeignKey, Index, String, event, text
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
# A run asked for through the API is queued until a worker takes it; runs started in-process begin at running.
RUN_STATUSES = ("queued", "running", "done", "failed")
# A county run solves one county on its own; a border run is the second pass over the orders it left unserved
# near county lines, with the teams lent across them.
RUN_KINDS = ("county", "border")
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
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
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
    # Asked for through the API: queued, then run by the scheduler or a Celery worker with this time limit.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    time_limit: Mapped[float | None] = mapped_column()
    # How often a worker started it (a worker lost mid-run leaves nothing stored; the retry starts again).
    attempts: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16), default="county", server_default="county")
    # A border run: the counties whose unserved orders it takes, and the county runs it waits for.
    border_county_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    after_run_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    county: Mapped[Station] = relationship()
    created_by: Mapped[User | None] = relationship()
    live_progress: Mapped[DispatchProgress | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @classmethod
    def asked_for(
        cls, *, trigger: str, actor: User | None, time_limit: float | None, now: datetime, **fields: Any
    ) -> DispatchRun:
        """A run asked for now, queued for the scheduler or a worker."""
        return cls(
            trigger=trigger,
            status="queued",
            queued_at=now,
            started_at=now,
            time_limit=time_limit,
            created_by_id=actor.id if actor else None,
            **fields,
        )

    @property
    def progress(self) -> dict[str, Any]:
        """The engine's latest report while the run is under way (empty before the first and once it is over)."""
        if self.status != "running":  # only a running run reports (a claim clears the last attempt's report)
            return {}
        report = self.live_progress
        if report is None:
            return {}
        return {
            "seconds": round(report.seconds, 1),
            "served": report.served,
            "bound": report.bound,
            "travel_km": round(report.travel_km, 1),
            "stage": report.stage,
        }


class DispatchProgress(db.Model):
    """The engine's latest report on a run under way, written outside the run's own transaction (PostgreSQL)."""

    __tablename__ = "dispatch_progress"

    run_id: Mapped[int] = mapped_column(ForeignKey("dispatch_runs.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seconds: Mapped[float] = mapped_column(default=0.0)
    served: Mapped[int] = mapped_column(default=0)
    bound: Mapped[int] = mapped_column(default=0)
    travel_km: Mapped[float] = mapped_column(default=0.0)
    stage: Mapped[str] = mapped_column(String(32), default="")


class Proposal(db.Model):
    """The engine's proposal that a team serve an order at a time with a crew; the lead answers it."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')", name="status"),
        # One live (pending or accepted) proposal per order, whatever races.
        Index(
            "uq_proposals_live_order",
            "order_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'accepted')"),
            sqlite_where=text("status IN ('pending', 'accepted')"),
        ),
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
    # Copies of the proposal's time and liveness, kept by the database (triggers) so that it can refuse a
    # volunteer two overlapping live jobs (see VOLUNTEER_SLOT_DDL).
    start_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    end_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    live: Mapped[bool] = mapped_column(server_default=text("true"), server_onupdate=FetchedValue())

    proposal: Mapped[Proposal] = relationship(back_populates="crew")
    volunteer: Mapped[Volunteer] = relationship()
    skill: Mapped[Skill] = relationship()


# No volunteer in two overlapping live jobs, held by the database. PostgreSQL: an exclusion constraint over the
# copied time slots (btree_gist). SQLite (one writer at a time): a trigger makes the same check in the writing
# transaction. Both keep the copies in step with the proposal by triggers. The migration runs the same DDL.
VOLUNTEER_SLOT_DDL: dict[str, list[str]] = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        """CREATE OR REPLACE FUNCTION proposal_members_copy_slot() RETURNS trigger AS $$
        BEGIN
            SELECT p.start_at, p.end_at, p.status IN ('pending', 'accepted')
              INTO NEW.start_at, NEW.end_at, NEW.live FROM proposals p WHERE p.id = NEW.proposal_id;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER proposal_members_copy_slot BEFORE INSERT OR UPDATE ON proposal_members
        FOR EACH ROW EXECUTE FUNCTION proposal_members_copy_slot()""",
        """CREATE OR REPLACE FUNCTION proposals_sync_member_slots() RETURNS trigger AS $$
        BEGIN
            UPDATE proposal_members SET proposal_id = proposal_id WHERE proposal_id = NEW.id;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER proposals_sync_member_slots AFTER UPDATE OF status, start_at, end_at ON proposals
        FOR EACH ROW EXECUTE FUNCTION proposals_sync_member_slots()""",
        """ALTER TABLE proposal_members ADD CONSTRAINT ex_proposal_members_volunteer_overlap
        EXCLUDE USING gist (volunteer_id WITH =, tstzrange(start_at, end_at) WITH &&) WHERE (live)""",
    ],
    "sqlite": [
        """CREATE TRIGGER proposal_members_copy_slot AFTER INSERT ON proposal_members BEGIN
            UPDATE proposal_members SET proposal_id = proposal_id WHERE id = NEW.id;
        END""",
        """CREATE TRIGGER proposal_members_slot_refresh AFTER UPDATE OF proposal_id, volunteer_id
        ON proposal_members BEGIN
            UPDATE proposal_members SET
                start_at = (SELECT start_at FROM proposals WHERE id = NEW.proposal_id),
                end_at = (SELECT end_at FROM proposals WHERE id = NEW.proposal_id),
                live = (SELECT status IN ('pending', 'accepted') FROM proposals WHERE id = NEW.proposal_id)
            WHERE id = NEW.id;
        END""",
        """CREATE TRIGGER proposals_sync_member_slots AFTER UPDATE OF status, start_at, end_at ON proposals BEGIN
            UPDATE proposal_members SET proposal_id = proposal_id WHERE proposal_id = NEW.id;
        END""",
        """CREATE TRIGGER proposal_members_no_overlap AFTER UPDATE OF live, start_at, end_at ON proposal_members
        WHEN NEW.live BEGIN
            SELECT RAISE(ABORT, 'ex_proposal_members_volunteer_overlap') WHERE EXISTS (
                SELECT 1 FROM proposal_members m
                WHERE m.volunteer_id = NEW.volunteer_id AND m.id <> NEW.id AND m.live
                  AND m.start_at < NEW.end_at AND NEW.start_at < m.end_at);
        END""",
    ],
}

for _dialect, _statements in VOLUNTEER_SLOT_DDL.items():
    for _statement in _statements:
        event.listen(ProposalMember.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
