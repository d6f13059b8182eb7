"""Authentication: Flask-Login sessions for pages, bearer tokens for the API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, g, request
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import throttle
from app.accounts.models import ApiToken, User
from app.core.errors import abort
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.extensions import db


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the active user whose id and session epoch match the cookie's."""
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(str(user.session_epoch or 0), epoch):
        return None
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(*, username: str, password: str) -> User | None:
    """The active user with these credentials, or None; unknown names cost one hash check too (no timing leak)."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def end_sessions(*, user: User) -> None:
    """Revoke every page session and remember cookie of a user (raise the epoch their cookies carry)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.flush()


def revoke_tokens(*, user: User, except_token_id: int | None = None) -> int:
    """Revoke a user's live bearer tokens; returns how many."""
    query = db.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
    if except_token_id is not None:
        query = query.where(ApiToken.id != except_token_id)
    return rows_changed(query.values(revoked=True))


def issue_token(*, user: User) -> tuple[str, ApiToken]:
    """Create a bearer token for a user; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_digest(raw),
        expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def token_from_bearer(raw: str) -> ApiToken | None:
    """The live token with this raw value, or None."""
    token = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == _digest(raw)).options(db.joinedload(ApiToken.user))
    )
    if token is None or token.revoked or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token


def user_from_bearer(raw: str) -> User | None:
    """The user a live bearer token belongs to, or None."""
    token = token_from_bearer(raw)
    return token.user if token is not None else None


def current_token() -> ApiToken | None:
    """The bearer token of this API request (after api_user())."""
    return g.get("api_token")


def api_user() -> User:
    """The caller of an API request, authenticated by its bearer token; 401 otherwise."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    token = token_from_bearer(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if token is None:
        if header:
            throttle.count_bearer_failure()
        abort(401, message="A valid bearer token is required (POST /api/v1/auth/token).")
    g.api_user = token.user
    g.api_token = token
    return token.user
