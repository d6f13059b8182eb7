"""Run a retried request once: the first with a key does the work and stores its answer in the same transaction;
a retry (or a twin in flight, which waits on the key's unique index) gets that answer back.

Nothing here commits: the request's one transaction (`app.core.transactions`) commits the work and its stored
answer together, or rolls both back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema
from sqlalchemy.exc import IntegrityError

from app.accounts.auth import api_user
from app.accounts.models import User
from app.core.errors import InvalidTransition, ValidationFailed
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.extensions import db
from app.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
# How OpenAPI describes the header on the operations that honour it.
HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "Send the same key when retrying: the request is done once and its answer repeated.",
}


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    text = json.dumps([request.method, request.path, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise ValidationFailed("this Idempotency-Key was already used for a different request", field=HEADER)
    if record.status_code is None:
        raise InvalidTransition("a request with this Idempotency-Key is still under way", field=HEADER)
    response = current_app.response_class(
        json.dumps(record.body, ensure_ascii=False), status=record.status_code, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _stored(user: User, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        db.select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
    )


def run_once(*, user: User, status: int, schema: Schema, call: Callable[[], object]) -> object:
    """Do `call` once per (user, Idempotency-Key), storing its answer; without the header, just do it.

    Returns the call's result (for the view to dump) or, for a repeat, the stored response as it was sent.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return call()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("give 1 to %(n)s characters", field=HEADER, params={"n": MAX_KEY_LENGTH})
    fingerprint = _fingerprint()
    found = _stored(user, key)
    if found is not None:
        return _replay(found, fingerprint)
    record = IdempotencyRecord(user_id=user.id, key=key, fingerprint=fingerprint)
    try:
        # The key is claimed before the work: a twin in flight waits here, on the unique index, until this
        # request ends, and then replays its answer (or, if this one failed, does the work itself).
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        found = _stored(user, key)
        if found is None:
            raise
        return _replay(found, fingerprint)
    result = call()
    # Dump what the database holds (as the view will after the commit), not the objects as the call left them.
    db.session.flush()
    db.session.expire_all()
    record.status_code = status
    record.body = schema.dump(result)
    return result


def idempotent_response(blp: Any, status: int, schema: type[Schema]) -> Callable[[Callable[..., Any]], Any]:
    """`blp.response(status, schema)` for a POST a phone may retry: with the same Idempotency-Key it is done once
    and answered the same (the header is documented in OpenAPI)."""
    dumper = schema()

    def decorate(view: Callable[..., Any]) -> Any:
        @wraps(view)
        def once(*args: Any, **kwargs: Any) -> object:
            return run_once(user=api_user(), status=status, schema=dumper, call=lambda: view(*args, **kwargs))

        return blp.doc(parameters=[HEADER_DOC])(blp.response(status, schema)(once))

    return decorate


def purge_idempotency_records(*, now: datetime | None = None) -> int:
    """Forget answers older than IDEMPOTENCY_KEEP_HOURS (a retry after that is a new request)."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["IDEMPOTENCY_KEEP_HOURS"])
    return rows_changed(db.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
