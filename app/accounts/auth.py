"""Authentication: Flask-Login sessions for pages, bearer tokens for the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_smorest import abort

from app.accounts.models import ApiToken, User
from app.core.timeutil import utcnow
from app.extensions import db


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the active user with this id."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def authenticate(*, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


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


def user_from_bearer(raw: str) -> User | None:
    """The user a live bearer token belongs to, or None."""
    token = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == _digest(raw)).options(db.joinedload(ApiToken.user))
    )
    if token is None or token.revoked or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token.user


def api_user() -> User:
    """The caller of an API request, authenticated by its bearer token; 401 otherwise."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    user = user_from_bearer(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if user is None:
        abort(401, message="A valid bearer token is required (POST /api/v1/auth/token).")
    g.api_user = user
    return user
