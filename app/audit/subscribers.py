"""State changes recorded from the domain signals, so services need not call the audit log themselves."""

from __future__ import annotations

from typing import Any

from app.core.signals import order_event_recorded


def on_order_event(sender: object, event: Any = None, **extra: object) -> None:
    """Every order transition becomes an audit entry with the actor, the request's origin and the statuses."""
    if event is None:
        return
    from app.audit.service import record

    order = event.order
    record(
        f"order.{event.kind}"[:64],
        actor=event.actor,
        target_type="order",
        target_id=order.id if order is not None else event.order_id,
        station_id=order.station_id if order is not None else None,
        details={"from": event.from_status, "to": event.to_status},
    )


def connect_signals() -> None:
    """Subscribe once (blinker ignores a second connect of the same receiver)."""
    order_event_recorded.connect(on_order_event)
