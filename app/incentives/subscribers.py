"""Write the hours and points ledgers from order events (connected once, when the package is imported)."""

from __future__ import annotations

from typing import Any

from app.core.signals import order_event_recorded


def on_order_event(sender: Any, *, event: Any) -> None:
    """A completed order (or confirmed hours on one) writes its crew's hours and points; a rated one its bonus."""
    from app.incentives import service

    # Hours count once the lead confirms them (honest check-in), which may come before or after completion.
    if event.kind == "correction_approved":
        service.record_approved_correction(event.order, event)
    elif event.to_status == "completed" or event.kind == "hours_confirmed":
        service.record_service(event.order)
    elif event.to_status == "rated":
        service.record_rating(event.order)


def connect_signals() -> None:
    """Subscribe to order events (blinker ignores a second connect of the same receiver)."""
    order_event_recorded.connect(on_order_event)
