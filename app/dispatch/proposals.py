"""Proposals: the team lead's inbox (志愿者接单): accept, decline, swap a crew member; lapses and withdrawals."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import current_app

from app.accounts.access import allowed, may_answer_proposal, scope_station_ids
from app.accounts.models import User
from app.activities.booking import booked_activity
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.dispatch.models import LIVE, Proposal, ProposalMember
from app.dispatch.recheck import check_replacement
from app.dispatch.recheck import clash as rostered_elsewhere
from app.dispatch.runs import redispatch_orders
from app.extensions import db
from app.orders import service as orders
from app.orders.models import Order
from app.volunteers.models import Team, Volunteer


def _visible_proposals_query(user: User):
    query = db.select(Proposal)
    if allowed(user, "proposal.list.station"):
        ids = scope_station_ids(user)
        if ids is not None:
            query = (
                query.join(Order, Proposal.order_id == Order.id)
                .join(Team, Proposal.team_id == Team.id)
                .where(Order.station_id.in_(ids) | Team.station_id.in_(ids))
            )
    elif allowed(user, "proposal.list.team"):
        query = query.where(Proposal.team_id.in_(db.select(Team.id).where(Team.lead_user_id == user.id)))
    elif allowed(user, "proposal.list.crew"):
        mine = db.select(Volunteer.id).where(Volunteer.user_id == user.id)
        query = query.where(
            Proposal.id.in_(db.select(ProposalMember.proposal_id).where(ProposalMember.volunteer_id.in_(mine)))
        )
    else:
        query = query.where(False)
    return query


def list_proposals(
    *, user: User, status: str | None = None, team_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[Proposal]:
    """Proposals the user may see (a lead's inbox: their teams'), soonest deadline first."""
    query = _visible_proposals_query(user)
    if status is not None:
        query = query.where(Proposal.status == status)
    if team_id is not None:
        query = query.where(Proposal.team_id == team_id)
    query = (
        query.order_by(Proposal.deadline_at, Proposal.id)
        .limit(limit)
        .offset(offset)
        .options(
            db.joinedload(Proposal.order).joinedload(Order.menu_item),
            db.joinedload(Proposal.order).joinedload(Order.station),
            db.selectinload(Proposal.crew).joinedload(ProposalMember.volunteer),
            db.selectinload(Proposal.crew).joinedload(ProposalMember.skill),
        )
    )
    return list(db.session.scalars(query).unique())


def get_proposal(*, user: User, proposal_id: int) -> Proposal:
    """One proposal the user may see, or 404."""
    proposal = db.session.scalar(_visible_proposals_query(user).where(Proposal.id == proposal_id))
    if proposal is None:
        raise NotFound("proposal not found")
    return proposal


def _get_proposal_locked(*, user: User, proposal_id: int) -> Proposal:
    """A proposal the user may see, after taking its order's row lock (then the proposal's), both re-read."""
    proposal = get_proposal(user=user, proposal_id=proposal_id)
    orders.lock_order(proposal.order)
    db.session.execute(
        db.select(Proposal)
        .where(Proposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return proposal


def _ensure_may_answer(user: User, proposal: Proposal) -> None:
    if not may_answer_proposal(user, proposal):
        raise Forbidden("only the team's lead may answer this proposal")


def _ensure_pending(proposal: Proposal, now: datetime) -> None:
    if proposal.status != "pending":
        raise InvalidTransition(
            "the proposal is already %(status)s", field="status", params={"status": proposal.status}
        )
    if proposal.deadline_at <= now:
        raise InvalidTransition("the proposal's deadline has passed", field="deadline_at")


def _claim(proposal: Proposal, status: str, *, user: User, now: datetime) -> None:
    """Answer a pending proposal exactly once, even when two answers race (the second finds it answered)."""
    result = rows_changed(
        db.update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == "pending")
        .values(status=status, responded_by_id=user.id, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result != 1:
        raise InvalidTransition("the proposal was answered meanwhile", field="status")
    proposal.status = status
    proposal.responded_by_id = user.id
    proposal.responded_at = now


def accept_proposal(*, user: User, proposal_id: int) -> Proposal:
    """The team lead accepts: the order is accepted and the crew is rostered."""
    proposal = _get_proposal_locked(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    now = utcnow()
    _ensure_pending(proposal, now)
    for member in proposal.crew:
        volunteer = member.volunteer
        if not volunteer.active or volunteer.team_id != proposal.team_id:
            raise InvalidTransition(
                "%(name)s is no longer an active member of the team; swap them first",
                field="crew",
                params={"name": volunteer.name},
            )
        clash = rostered_elsewhere(volunteer, proposal)
        if clash is not None:
            raise InvalidTransition(
                "%(name)s is already rostered at that time (order %(code)s); swap them first",
                field="crew",
                params={"name": volunteer.name, "code": clash.order.code},
            )
        # The run that proposed this crew may have read the roster before the volunteer signed up for an activity.
        activity = booked_activity(volunteer_id=volunteer.id, start=proposal.start_at, end=proposal.end_at)
        if activity is not None:
            raise InvalidTransition(
                "%(name)s has a place in an activity at that time (%(activity)s); swap them first",
                field="crew",
                params={"name": volunteer.name, "activity": activity.title},
            )
    _claim(proposal, "accepted", user=user, now=now)
    orders.transition(
        proposal.order,
        "accepted",
        actor=user,
        reason="accepted by %(team)s",
        reason_params={"team": proposal.team.name},
        data={"team": proposal.team.code, "proposal": proposal.id},
    )
    return proposal


def _reopen(proposal: Proposal, *, actor: User | None, exclusion: str, reason: str) -> None:
    """Send the order back for re-dispatch without this team, escalating a tier per the rule."""
    order = proposal.order
    orders.exclude_team(order, proposal.team_id, reason=exclusion)
    orders.transition(
        order,
        "submitted",
        actor=actor,
        kind=f"proposal_{exclusion}",
        reason=reason,
        data={"team": proposal.team.code, "proposal": proposal.id},
    )
    rejections = sum(1 for e in order.exclusions if e.team.level == order.tier)
    if rejections >= current_app.config["ESCALATE_AFTER_REJECTIONS"]:
        orders.escalate(
            order,
            actor=actor,
            reason="%(n)s team(s) at the %(tier)s tier said no",
            reason_params={"n": rejections, "tier": order.tier},
        )


def decline_proposal(*, user: User, proposal_id: int, reason: str) -> Proposal:
    """The team lead declines with a reason; the order goes back for re-dispatch without this team."""
    proposal = _get_proposal_locked(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    if not reason or not reason.strip():
        raise ValidationFailed("say why the team declines", field="reason")
    now = utcnow()
    _ensure_pending(proposal, now)
    _claim(proposal, "declined", user=user, now=now)
    proposal.decline_reason = reason.strip()[:400]
    _reopen(proposal, actor=user, exclusion="declined", reason=reason.strip())
    if current_app.config["REDISPATCH_ON_DECLINE"]:
        # Placing it again is a bonus: if that fails, the decline still stands and the next run retries.
        try:
            with db.session.begin_nested():
                redispatch_orders([proposal.order], now=now)
        except Exception:  # noqa: BLE001
            current_app.logger.exception("immediate re-dispatch after a decline failed")
    return proposal


def expire_overdue_proposals(*, now: datetime | None = None) -> list[Proposal]:
    """Pending proposals past their deadline lapse; their orders go back without that team (idempotent)."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            db.select(Proposal).where(Proposal.status == "pending", Proposal.deadline_at <= now).order_by(Proposal.id)
        )
    )
    orders.lock_orders({proposal.order_id for proposal in overdue})
    for proposal in overdue:
        db.session.refresh(proposal)
    # An answer may have come in between the look and the lock.
    overdue = [proposal for proposal in overdue if proposal.status == "pending"]
    for proposal in overdue:
        proposal.status = "expired"
        proposal.responded_at = now
        _reopen(proposal, actor=None, exclusion="expired", reason="the team did not answer before the deadline")
    db.session.flush()
    return overdue


def withdraw_live_proposals(order: Order, *, actor: User | None, reason: str) -> None:
    """Withdraw an order's pending or accepted proposal (the order was cancelled or expired)."""
    for proposal in db.session.scalars(
        db.select(Proposal).where(Proposal.order_id == order.id, Proposal.status.in_(LIVE))
    ):
        proposal.status = "withdrawn"
        proposal.decline_reason = reason
        proposal.responded_at = utcnow()


def swap_crew_member(*, user: User, proposal_id: int, out_volunteer_id: int, in_volunteer_id: int) -> Proposal:
    """The lead replaces one crew member with another team member who holds the same skill and is free."""
    proposal = _get_proposal_locked(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    if proposal.status not in LIVE or proposal.order.status not in ("dispatched", "accepted"):
        raise InvalidTransition("the crew can change only before the service starts", field="status")
    member = next((m for m in proposal.crew if m.volunteer_id == out_volunteer_id), None)
    if member is None:
        raise ValidationFailed("this volunteer is not on the crew", field="out_volunteer_id")
    newcomer = db.session.get(Volunteer, in_volunteer_id)
    if newcomer is None or newcomer.team_id != proposal.team_id or not newcomer.active:
        raise ValidationFailed("the replacement must be an active member of the team", field="in_volunteer_id")
    if any(m.volunteer_id == newcomer.id for m in proposal.crew):
        raise ValidationFailed("the replacement is already on the crew", field="in_volunteer_id")
    if member.skill not in newcomer.skills:
        raise ValidationFailed(
            "the replacement lacks the skill %(skill)s", field="in_volunteer_id", params={"skill": member.skill.code}
        )
    check_replacement(newcomer, proposal)
    departing = member.volunteer
    member.volunteer = newcomer
    # The engine's cost terms named the departing volunteer; keep only what still holds, and say so.
    explanation = dict(proposal.explanation or {})
    explanation["cost_terms"] = [t for t in explanation.get("cost_terms", []) if t.get("volunteer") != departing.code]
    explanation["crew_changed"] = True
    proposal.explanation = explanation
    orders.record_event(
        proposal.order,
        kind="crew_changed",
        actor=user,
        reason="%(out)s replaced by %(in)s",
        reason_params={"out": departing.name, "in": newcomer.name},
        data={"out": departing.code, "in": newcomer.code, "proposal": proposal.id},
    )
    db.session.flush()
    return proposal


def crew_counts(proposal: Proposal) -> Counter:
    """Crew size by skill code."""
    return Counter(m.skill.code for m in proposal.crew)
