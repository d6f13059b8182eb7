"""Who may see a resident's full phone number: the accepted crew's lead while the order is live; every look recorded."""

from __future__ import annotations

from app.accounts.models import User
from app.audit import record
from app.core.errors import Forbidden
from app.core.masking import mask_phone
from app.dispatch.crew import accepted_proposal
from app.orders.models import Order

LIVE_STATUSES = ("accepted", "in_service")


def may_reveal_phone(*, user: User, order: Order) -> bool:
    """Whether the user leads the team that accepted this live order (the one who has to call the resident)."""
    if order.status not in LIVE_STATUSES or order.resident is None or not order.resident.phone:
        return False
    proposal = accepted_proposal(order)
    return proposal is not None and proposal.team.lead_user_id == user.id


def masked_phone(order: Order) -> str:
    """The resident's phone as everyone sees it: 138****1234."""
    return mask_phone(order.resident.phone) if order.resident is not None else ""


def reveal_phone(*, user: User, order: Order) -> str:
    """The resident's full phone for the accepted crew's lead; the look goes to the audit log."""
    resident = order.resident
    if resident is None or not resident.phone or not may_reveal_phone(user=user, order=order):
        raise Forbidden("only the lead of the accepted crew may see the full number while the order is live")
    record("phone.unmask", actor=user, target_type="order", target_id=order.id, station_id=order.station_id)
    return resident.phone
