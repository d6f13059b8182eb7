"""A resident's phone: masked for everyone; revealed (and the look recorded) to whom the access policy allows."""

from __future__ import annotations

from app.accounts.access import may_reveal_phone
from app.accounts.models import User
from app.audit import record
from app.core.errors import Forbidden
from app.core.masking import mask_phone
from app.dispatch.crew import accepted_proposal
from app.orders.models import Order


def masked_phone(order: Order) -> str:
    """The resident's phone as everyone sees it: 138****1234."""
    return mask_phone(order.resident.phone) if order.resident is not None else ""


def reveal_phone(*, user: User, order: Order) -> str:
    """The resident's full phone for the accepted crew's lead; the look goes to the audit log."""
    resident = order.resident
    if resident is None or not resident.phone or not may_reveal_phone(user, order, accepted_proposal(order)):
        raise Forbidden("only the lead of the accepted crew may see the full number while the order is live")
    record("phone.unmask", actor=user, target_type="order", target_id=order.id, station_id=order.station_id)
    return resident.phone
