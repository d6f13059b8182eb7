"""Order events and new proposals become messages for the resident, the team lead and the crew."""

from __future__ import annotations

from datetime import timedelta

from app.dispatch import crew, proposals
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.orders import service as orders
from tests.rosters.builders import W49, accepted_job, local, place, propose


def _messages(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def test_lead_told_of_a_new_proposal_and_resident_of_acceptance(db, at_t0) -> None:
    world = at_t0
    order = place(world, start=local(W49 + timedelta(days=3), 9))
    proposal = propose(world, order)
    (to_lead,) = _messages("proposal_new")
    assert to_lead.recipient_user_id == world.users["lead_v"].id
    assert order.code in to_lead.body and "12月03日 09:00" in to_lead.body
    proposals.accept_proposal(user=world.users["lead_v"], proposal_id=proposal.id)
    (to_resident,) = _messages("order_accepted")
    assert to_resident.recipient_name == "马大爷" and to_resident.address == "13900000000"
    assert world.teams["T-V-A1"].name in to_resident.body


def test_cancelling_an_accepted_job_tells_resident_crew_and_lead(db, at_t0) -> None:
    world = at_t0
    job = accepted_job(world, start=local(W49 + timedelta(days=3), 9))
    orders.cancel_order(user=world.users["staff"], order_id=job.order_id, reason="身体不适")
    assert [m.recipient_name for m in _messages("order_cancelled")] == ["马大爷"]
    told = sorted(m.recipient_name for m in _messages("job_cancelled"))
    assert told == sorted(["志愿者V1", "志愿者V2", "lead_v"])


def test_cancelling_before_acceptance_bothers_no_crew(db, at_t0) -> None:
    world = at_t0
    order = place(world, start=local(W49 + timedelta(days=3), 9))
    propose(world, order)
    orders.cancel_order(user=world.users["staff"], order_id=order.id)
    assert _messages("job_cancelled") == []


def test_expiry_tells_the_resident(db, at_t0) -> None:
    world = at_t0
    order = place(world, start=local(W49 + timedelta(days=3), 9))
    crew.expire_stale_orders(now=local(W49 + timedelta(days=3), 13))
    (message,) = _messages("order_expired")
    assert message.data["order_id"] == order.id and "已过期" in message.body
