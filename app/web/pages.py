"""What every page view shares: the access policy's check, the signed-in user, a service's refusal on a form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.accounts.access import authorize
from app.accounts.models import User
from app.core.errors import DomainError
from app.extensions import db
from app.web.errors import domain_message


def me() -> User:
    """The signed-in user as a model instance (services want the real object, not the proxy)."""
    return current_user._get_current_object()


def allows(action: str) -> Callable:
    """Sign-in required, then 403 unless the access policy lets the user's role take the action."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any):
            authorize(me(), action)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def signed_in(view: Callable) -> Callable:
    """Sign-in required; what the page shows is the services' and the policy's to decide."""
    return login_required(view)


def refused(error: DomainError) -> str:
    """Undo what a refused service call wrote (the request then commits nothing of it) and word its refusal."""
    db.session.rollback()
    return domain_message(error)


def show_error(form: FlaskForm, error: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Undo a refused service call and attach its refusal to the form field it names, or to the form as a whole."""
    message = refused(error)
    name = error.field or ""
    target = (field_map or {}).get(name) or (field_map or {}).get(name.split(".")[0]) or name.split(".")[0]
    field = form._fields.get(target) if target else None
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        form.form_errors.append(message)


@contextmanager
def refusal_shown_on(form: FlaskForm, field_map: dict[str, str] | None = None) -> Iterator[None]:
    """Run a form's service call and what follows its success; a refusal skips the rest and shows on the form."""
    try:
        yield
    except DomainError as error:
        show_error(form, error, field_map)


def safe_next(target: str | None) -> str | None:
    """A local path to return to, or None (so no form can send people to another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def choices(pairs: Iterable[tuple[Any, Any]]) -> list:
    """Select options in the form the installed WTForms prefers (SelectChoice from 3.3, tuples before)."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms < 3.3
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def act_and_return(call: Callable[[], object], done: str, fallback_url: str):
    """Run one service call, flash the outcome and go back (404s still raise; the request commits)."""
    from flask import flash, redirect, request

    try:
        call()
    except DomainError as error:
        if error.status == 404:
            raise
        flash(refused(error), "error")
    else:
        flash(done, "success")
    return redirect(safe_next(request.form.get("next")) or fallback_url)


# The last page a paged list serves: its offset stays well inside a database integer.
MAX_PAGE = 100000


def page_arg() -> int:
    """The ?page= of a paged list, from 1 to MAX_PAGE."""
    return min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)


def state_arg() -> tuple[str, bool | None]:
    """The ?state= filter of an admin list ("active", "inactive" or empty for all) and the activity it asks for."""
    state = request.args.get("state") or ""
    return state, {"active": True, "inactive": False}.get(state)
