"""Recording audit entries; the request's who and where are filled in here so callers name only the what."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, Unpack

from flask import Response, g, has_request_context, request
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.extensions import db

_MAX_DETAIL_CHARS = 2000


def _request_user() -> Any:
    """The signed-in page user or the API caller of this request, if known."""
    if not has_request_context():
        return None
    if "api_user" in g:
        return g.api_user
    from flask_login import current_user

    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 (no login manager bound, e.g. a bare app context)
        return None


def _where() -> dict[str, str]:
    if not has_request_context():
        return {}
    return {
        "ip": (request.remote_addr or "")[:64],
        "user_agent": (request.user_agent.string or "")[:200],
        "method": request.method[:10],
        "path": request.path[:200],
    }


class About(TypedDict, total=False):
    """What an entry is about, besides its action: who (default: the request's user), on what, where, details."""

    actor: Any
    target_type: str
    target_id: object
    station_id: int | None
    details: dict[str, Any] | None


def _entry(
    action: str,
    outcome: str,
    *,
    actor: Any = None,
    target_type: str = "",
    target_id: object = None,
    station_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    actor = actor if actor is not None else _request_user()
    if station_id is None and actor is not None:
        station_id = getattr(actor, "scope_station_id", None)
    clean_details = {
        str(k)[:40]: (v if isinstance(v, int | float | bool) or v is None else str(v)[:_MAX_DETAIL_CHARS])
        for k, v in (details or {}).items()
    }
    return AuditEntry(
        action=action[:64],
        outcome=outcome,
        actor_user_id=getattr(actor, "id", None),
        actor_username=(getattr(actor, "username", "") or "")[:64],
        actor_role=(getattr(actor, "role", "") or "")[:20],
        target_type=target_type[:40],
        target_id="" if target_id is None else str(target_id)[:64],
        station_id=station_id,
        details=clean_details,
        **_where(),
    )


def record(action: str, **about: Unpack[About]) -> AuditEntry:
    """Add an audit entry to the current transaction (it commits, or rolls back, with the change it describes).

    The actor defaults to the request's user, where from (IP, user agent, path) to the request's. `details`
    holds short plain values; never put a phone number or other personal data in it.
    """
    # Written with the transaction's next flush (at the latest its commit), with the request's own entry in the
    # same statement: one round trip fewer on every write that records an order event.
    entry = _entry(action, "ok", **about)
    db.session.add(entry)
    return entry


def record_change(
    action: str, actor: Any, target_type: str, target: Any, station_id: int | None, details: dict[str, Any]
) -> AuditEntry:
    """Record a change to one record (it has an id), each detail written as text."""
    text = {key: str(value) for key, value in details.items()}
    return record(
        action, actor=actor, target_type=target_type, target_id=target.id, station_id=station_id, details=text
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """The fields that changed between two snapshots, each as 'old → new', for an entry's details."""
    return {key: f"{before.get(key)} → {value}" for key, value in after.items() if before.get(key) != value}


def record_denied(action: str, **about: Unpack[About]) -> None:
    """Record a refused attempt; in a request it is written after the request's rollback, so it survives it."""
    entry = _entry(action, "denied", **about)
    if has_request_context():
        g.setdefault("_audit_denied", []).append(entry)
    else:
        db.session.add(entry)
        db.session.flush()


def record_refusal(status: int, message: str) -> None:
    """A refused authentication or authorisation in a request (the error handlers' hook)."""
    # A bare 401 without credentials is every anonymous first visit; only a presented credential is an attempt.
    if status == 401 and not request.headers.get("Authorization"):
        return
    record_denied("auth.denied" if status == 401 else "access.denied", details={"status": status, "reason": message})


def write_pending_denials(response: Response) -> Response:
    """after_request: store the request's refused attempts (error handlers have rolled its changes back)."""
    pending = g.pop("_audit_denied", None)
    if pending:
        session = db.session if response.status_code >= 400 else Session(db.engine)
        try:
            session.add_all(pending)
            session.commit()
        finally:
            if session is not db.session:
                session.close()
    return response


def list_entries(
    *,
    user: Any,
    action: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    target_type: str | None = None,
    target_id: object = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Entries inside the viewer's scope (county staff: their county's stations and their staff), newest first."""
    from app.accounts.access import within_scope

    query = within_scope(db.select(AuditEntry), user, AuditEntry.station_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(db.session.scalars(query))
