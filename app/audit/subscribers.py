"""State changes recorded from the domain signals, so services need not call the audit log themselves."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

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


# Roles whose every change is a staff action worth a line in the log; residents' and volunteers' are order events.
STAFF_ACTION_ROLES = ("station_staff", "county_staff", "admin", "team_lead")
_MUTATING = ("POST", "PUT", "PATCH", "DELETE")
# Endpoints that write their own, more specific entries.
_OWN_ENTRIES = ("accounts.", "accounts_views.", "audit")


def on_commit(session: Session) -> None:
    """A staff member's changing request that commits gets one entry naming the endpoint and its object ids."""
    if not has_request_context() or request.method not in _MUTATING or g.get("_audit_request_recorded"):
        return
    endpoint = request.endpoint or ""
    if endpoint.startswith(_OWN_ENTRIES):
        return
    from app.audit.service import _entry, _request_user

    user = _request_user()
    if user is None or getattr(user, "role", None) not in STAFF_ACTION_ROLES:
        return
    g._audit_request_recorded = True
    ids = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, int | str)}
    target_type, target_id = next(iter(ids.items()), ("", None))
    session.add(
        _entry(
            action=f"request.{endpoint}"[:64],
            actor=user,
            target_type=target_type.removesuffix("_id"),
            target_id=target_id,
            station_id=None,
            outcome="ok",
            details=ids,
        )
    )


def connect_signals() -> None:
    """Subscribe once (blinker ignores a second connect of the same receiver; SQLAlchemy is asked first)."""
    order_event_recorded.connect(on_order_event)
    if not event.contains(Session, "before_commit", on_commit):
        event.listen(Session, "before_commit", on_commit)
