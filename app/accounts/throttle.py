"""Sign-in throttling shared by the login page and the token endpoint (Flask-Limiter on shared storage)."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Response, after_this_request, current_app, make_response, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from werkzeug.exceptions import HTTPException, TooManyRequests

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


def per_username_failures(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only failures count against a username: guessing one account's password from many addresses stops too.

    Each attempt takes its failure slot in one atomic increment before the password is checked, and gives it back
    unless it failed, so a burst of simultaneous guesses cannot all pass a check made before any of them counted.
    """

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _not_a_post():
            return view(*args, **kwargs)
        limit = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
        name = _attempted_username()
        if not limiter.limiter.hit(limit, "login-failures", name):
            reset = limiter.limiter.get_window_stats(limit, "login-failures", name).reset_time
            raise TooManyRequests(
                "too many failed sign-ins for this account; wait and try again",
                retry_after=max(1, math.ceil(reset - time.time())),
            )
        try:
            response = make_response(view(*args, **kwargs))
        except HTTPException as error:
            if error.code != 401:
                _give_back(limit, name)
            raise
        except Exception:
            _give_back(limit, name)
            raise
        if response.status_code != 401:
            _give_back(limit, name)
        return response

    return guarded


def _give_back(limit: RateLimitItem, name: str) -> None:
    """Return an attempt's failure slot (it did not fail) once the request has committed.

    The counter is written on a connection of its own; on SQLite, writing it while the request's transaction
    holds the write lock (a sign-in's audit entry is flushed) waits for that lock forever and fails the sign-in.
    """

    def give_back(response: Response) -> Response:
        limiter.limiter.storage.incr(limit.key_for("login-failures", name), limit.get_expiry(), amount=-1)
        return response

    after_this_request(give_back)


def count_bearer_failure() -> None:
    """Count a request with a bad bearer token against its address; 429 once the address is over the limit."""
    limit = parse(current_app.config["BEARER_FAILURE_LIMIT"])
    if not limiter.limiter.hit(limit, "bearer-failures", get_remote_address()):
        abort(429, message="too many requests with an invalid token; wait and try again")
