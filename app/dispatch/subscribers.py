"""Dispatch's side of order events, and who sees which orders through dispatch (connected by the app factory)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from app.accounts.models import User
from app.core.signals import order_event_recorded
from app.dispatch.models import Proposal, ProposalMember
from app.dispatch.proposals import withdraw_live_proposals
from app.extensions import db
from app.orders.service import register_order_audience
from app.volunteers.models import Team, Volunteer


def on_order_event(sender: object, event: Any = None, **extra: object) -> None:
    """A cancelled or expired order's pending or accepted proposal is withdrawn."""
    if event is not None and event.to_status in ("cancelled", "expired"):
        withdraw_live_proposals(event.order, actor=None, reason=f"order {event.to_status}")


def orders_proposed_to_lead(user: User) -> Select:
    """Orders proposed to any team the user leads, until the team says no (declined or let the proposal lapse):
    after that the order, its later history and the resident are no business of that team's lead."""
    teams = db.select(Team.id).where(Team.lead_user_id == user.id)
    return db.select(Proposal.order_id).where(
        Proposal.team_id.in_(teams), Proposal.status.in_(("pending", "accepted", "withdrawn"))
    )


def orders_crewed_by(user: User) -> Select:
    """Orders whose accepted crew holds the user's volunteer record."""
    mine = db.select(Volunteer.id).where(Volunteer.user_id == user.id)
    return (
        db.select(Proposal.order_id)
        .join(ProposalMember)
        .where(ProposalMember.volunteer_id.in_(mine), Proposal.status == "accepted")
    )


def connect_signals() -> None:
    """Subscribe to order events and register dispatch's order audiences (a second call changes nothing)."""
    order_event_recorded.connect(on_order_event)
    register_order_audience("order.list.team", orders_proposed_to_lead)
    register_order_audience("order.list.crew", orders_crewed_by)
