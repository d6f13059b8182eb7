"""Access control in one place: what each role may do, and which stations a user's scope covers."""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from sqlalchemy import Select, event
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.errors import Forbidden, OutOfScope
from app.extensions import db
from app.stations.models import Station

STAFF_ROLES = ("station_staff", "county_staff", "admin")
MANAGER_ROLES = ("county_staff", "admin")


def require_role(user: User, *roles: str) -> None:
    """Refuse (403) unless the user holds one of the roles."""
    if user.role not in roles:
        raise Forbidden("role %(role)s may not do this", params={"role": user.role})


STATION_CACHES = ("_subtree_cache", "_station_children")


@event.listens_for(Session, "after_flush")
def _forget_station_tree(session: Session, flush_context: object) -> None:
    # A station added, moved or removed makes the cached tree wrong for the rest of the context.
    if has_app_context() and any(isinstance(o, Station) for o in (*session.new, *session.dirty, *session.deleted)):
        for key in STATION_CACHES:
            g.pop(key, None)


def subtree_ids(station_id: int) -> set[int]:
    """A station and every station below it."""
    cache: dict[int, set[int]] = g.setdefault("_subtree_cache", {})
    if station_id in cache:
        return cache[station_id]
    # The tree is read once per context for every station asked about (a scope check and a menu's reach).
    children: dict[int | None, list[int]] | None = g.get("_station_children")
    if children is None:
        children = {}
        for sid, parent in db.session.execute(db.select(Station.id, Station.parent_id)).all():
            children.setdefault(parent, []).append(sid)
        g._station_children = children
    found: set[int] = set()
    stack = [station_id]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, []))
    cache[station_id] = found
    return found


def scope_station_ids(user: User) -> set[int] | None:
    """Stations the user's scope covers; None means everywhere (admin)."""
    if user.role == "admin":
        return None
    if user.scope_station_id is None:
        return set()
    return subtree_ids(user.scope_station_id)


def within_scope(query: Select[Any], user: User, station_column: Any) -> Select[Any]:
    """The query kept to rows whose station (the column) lies inside the user's scope; unchanged for an admin."""
    ids = scope_station_ids(user)
    return query if ids is None else query.where(station_column.in_(ids))


def station_in_scope(user: User, station_id: int) -> bool:
    """Whether a station lies inside the user's scope."""
    if station_id == user.scope_station_id:  # the scope's own station: no need to read the tree
        return True
    ids = scope_station_ids(user)
    return ids is None or station_id in ids


def ensure_station_in_scope(user: User, station_id: int, *, field: str | None = None) -> None:
    """404 (not 403, so existence is not revealed) when the station is outside the user's scope."""
    if not station_in_scope(user, station_id):
        raise OutOfScope("station not found in your scope", field=field)
