"""Turn order events and new proposals into outbox messages (connected by the app factory)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.core.signals import order_event_recorded, proposal_created


def _order_values(order: Any) -> dict[str, object]:
    from app.notifications.messages import Words

    item = order.menu_item
    return {"station": order.station.name, "item": Words(item.title, item.title_en), "code": order.code}


def _tell_resident(event: Any, kind: str, **values: object) -> None:
    from app.notifications import service

    order = event.order
    if order.resident is None:
        return
    # Staff who cancel on a resident's behalf tell them in person; a resident's own cancellation needs no echo.
    if kind == "order_cancelled" and event.actor_id is not None and event.actor_id == order.resident.user_id:
        return
    service.notify(
        key=f"order-event:{event.id}:resident",
        kind=kind,
        recipient=service.recipient_for_resident(order.resident),
        values={**_order_values(order), **values},
        data={"order_id": order.id, "event_id": event.id},
        now=event.at,
    )


def _tell_crew_of_cancellation(event: Any) -> None:
    from app.dispatch.models import Proposal
    from app.extensions import db
    from app.notifications import service

    order = event.order
    # Only a proposal the lead had accepted was on anyone's roster; withdrawn pending ones were not. Dispatch
    # withdraws it on this same event, before or after this receiver runs.
    proposal = db.session.scalar(
        db.select(Proposal)
        .where(
            Proposal.order_id == order.id,
            Proposal.status.in_(("accepted", "withdrawn")),
            Proposal.responded_by_id.is_not(None),
        )
        .order_by(Proposal.id.desc())
    )
    if proposal is None:
        return
    values = {**_order_values(order), "start": proposal.start_at}
    data = {"order_id": order.id, "proposal_id": proposal.id, "event_id": event.id}
    recipients = {
        f"volunteer:{member.volunteer_id}": service.recipient_for_volunteer(member.volunteer)
        for member in proposal.crew
    }
    lead = _lead_of(proposal.team)
    if lead is not None:
        recipients["lead"] = service.recipient_for_user(lead)
    for who, recipient in recipients.items():
        service.notify(
            key=f"order-event:{event.id}:{who}",
            kind="job_cancelled",
            recipient=recipient,
            values=values,
            data=data,
            now=event.at,
        )


def _lead_of(team: Any) -> Any:
    from app.accounts.models import User
    from app.extensions import db

    return db.session.get(User, team.lead_user_id) if team.lead_user_id else None


def on_order_event(sender: object, event: Any = None, **extra: object) -> None:
    """Tell the resident what happened to their order, and a rostered crew when their job is cancelled."""
    if event is None or not current_app.config.get("NOTIFY_ENABLED", True):
        return
    if event.to_status == "accepted":
        from app.dispatch.models import Proposal
        from app.extensions import db

        proposal = db.session.get(Proposal, (event.data or {}).get("proposal") or -1)
        start = proposal.start_at if proposal else ""
        team = proposal.team.name if proposal else (event.data or {}).get("team", "")
        _tell_resident(event, "order_accepted", team=team, start=start)
    elif event.to_status == "expired":
        _tell_resident(event, "order_expired")
    elif event.to_status == "cancelled":
        _tell_resident(event, "order_cancelled", reason=event.reason or "")
        _tell_crew_of_cancellation(event)
    elif event.to_status == "completed":
        _tell_resident(event, "order_completed")


def on_proposal_created(sender: object, proposal: Any = None, **extra: object) -> None:
    """Tell the team lead a proposal waits for their answer."""
    if proposal is None or not current_app.config.get("NOTIFY_ENABLED", True):
        return
    from app.notifications import service

    lead = _lead_of(proposal.team)
    if lead is None:
        return
    order = proposal.order
    service.notify(
        key=f"proposal:{proposal.id}:lead",
        kind="proposal_new",
        recipient=service.recipient_for_user(lead),
        values={
            **_order_values(order),
            "team": proposal.team.name,
            "start": proposal.start_at,
            "deadline": proposal.deadline_at,
        },
        data={"order_id": order.id, "proposal_id": proposal.id},
        now=proposal.created_at,
    )


def connect_signals() -> None:
    """Subscribe to the order and dispatch signals (blinker ignores a second connect of the same receiver)."""
    order_event_recorded.connect(on_order_event)
    proposal_created.connect(on_proposal_created)
