"""Sign-in throttling shared by the login page and the token endpoint (Flask-Limiter on shared storage)."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse

from app.core.errors import abort
from app.extensions import limiter


def _attempted_username() -> str:
    """The username a sign-in attempt names (form or JSON), normalised; counters are kept per name."""
    name = request.form.get("username")
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return "user:" + (str(name or "").strip().lower()[:64])


def _not_a_post() -> bool:
    return request.method != "POST"


# Every attempt counts against the client address: a flood is cut off before it costs a password hash each.
per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    scope="login-address",
    key_func=get_remote_address,
    exempt_when=_not_a_post,
)
# Only failures count against a username: guessing one account's password from many addresses stops too.
per_username_failures = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    scope="login-failures",
    key_func=_attempted_username,
    exempt_when=_not_a_post,
    deduct_when=lambda response: response.status_code == 401,
)


def count_bearer_failure() -> None:
    """Count a request with a bad bearer token against its address; 429 once the address is over the limit."""
    limit = parse(current_app.config["BEARER_FAILURE_LIMIT"])
    if not limiter.limiter.hit(limit, "bearer-failures", get_remote_address()):
        abort(429, message="too many requests with an invalid token; wait and try again")
