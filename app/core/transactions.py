"""One transaction per request: a view commits once when it succeeds and rolls back when it fails.

Pages get it by `commit_per_request`, which wraps every registered view. API views are flask-smorest methods
whose `@blp.response` dumps the result inside the view; `Blueprint` commits just before that dump, so the
response shows what was stored (aware UTC times as read back, not as given). A request that wrote nothing is
not committed before its dump, so what it loaded eagerly is not expired and read again row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db

_WROTE = "diandan_wrote"
_KEEP_LOADED = "diandan_keep_loaded"


def _remember_flush(session: Session, flush_context: object) -> None:
    session.info[_WROTE] = True


def _remember_bulk_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session: Session, *args: object) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_KEEP_LOADED, None)


def keep_loaded() -> None:
    """Say that this transaction's objects hold what is stored (times in UTC, every relationship the answer shows
    set): its commit then expires nothing, and the answer is dumped without reading the rows back."""
    db.session().info[_KEEP_LOADED] = True


def wrote(session: Session) -> bool:
    """Whether the session's transaction holds changes, flushed or not."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def track_writes() -> None:
    """Let every session remember whether its transaction wrote (a second call changes nothing)."""
    for name, listener in (
        ("after_flush", _remember_flush),
        ("do_orm_execute", _remember_bulk_write),
        ("after_commit", _forget_writes),
        ("after_rollback", _forget_writes),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _commit() -> None:
    """Commit; without expiring what the session holds when the transaction was marked `keep_loaded`."""
    session = db.session()
    if not session.info.get(_KEEP_LOADED):
        session.commit()
        return
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def commit_on_success(func: Callable[..., Any]) -> Callable[..., Any]:
    """The function, committing what it wrote when it returns and rolling back when it raises."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            if wrote(db.session()):
                _commit()
        except BaseException:
            db.session.rollback()
            raise
        return result

    return wrapper


def in_one_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view, committing once on a success (status below 400) and rolling back otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            # The response is made here, inside the view, so that a failed commit still reaches the error handlers.
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        except BaseException:
            db.session.rollback()
            raise
        return response

    wrapper._commits_per_request = True  # type: ignore[attr-defined]
    return wrapper


def commit_per_request(app: Flask) -> None:
    """Wrap every registered view (API and pages) in one transaction; call after the blueprints are registered."""
    track_writes()
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "_commits_per_request", False):
            app.view_functions[endpoint] = in_one_transaction(view)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose responses are dumped after the request's commit."""

    def response(self, status_code: int | str, schema: Any = None, **kwargs: Any) -> Callable[..., Any]:
        """`flask_smorest.Blueprint.response`, committing the view's work before the result is dumped."""
        dump = super().response(status_code, schema, **kwargs)
        return lambda func: dump(commit_on_success(func))
