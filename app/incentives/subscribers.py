"""Write the hours and points ledgers from order events (connected once, when the package is imported)."""

from __future__ import annotations

from typing import Any

from app.core.signals import order_event_recorded


def on_order_event(sender: Any, *, event: Any) -> None:
    """A completed order writes its crew's hours and points; a rated one its rating bonus."""
    from app.incentives import service

    if event.to_status == "completed":
        service.record_service(event.order)
    elif event.to_status == "rated":
        service.record_rating(event.order)


def connect_signals() -> None:
    """Subscribe to order events (blinker ignores a second connect of the same receiver)."""
    order_event_recorded.connect(on_order_event)
