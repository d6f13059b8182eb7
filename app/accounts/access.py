"""The access policy in one module: which roles may act, which stations a user's scope covers, and who may see or
act on each kind of object (team, volunteer, roster, order, proposal, a resident's phone). Services and views ask
these functions; the access walks (tests/api/test_access_matrix.py, tests/views/test_access_pages.py) hold the
expected answers for every operation and page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import g, has_app_context
from sqlalchemy import Select, event
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.errors import Forbidden, OutOfScope
from app.extensions import db
from app.stations.models import Station

if TYPE_CHECKING:
    from app.dispatch.models import Proposal
    from app.orders.models import Order
    from app.volunteers.models import Team, Volunteer

STAFF_ROLES = ("station_staff", "county_staff", "admin")
MANAGER_ROLES = ("county_staff", "admin")


def require_role(user: User, *roles: str) -> None:
    """Refuse (403) unless the user holds one of the roles."""
    if user.role not in roles:
        raise Forbidden("role %(role)s may not do this", params={"role": user.role})


STATION_CACHES = ("_subtree_cache", "_station_children", "_station_parents")


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


def county_of(station_id: int) -> int:
    """The id of the county centre a station lies in (the top of its tree)."""
    parents: dict[int, int | None] | None = g.get("_station_parents")
    if parents is None:
        parents = dict(db.session.execute(db.select(Station.id, Station.parent_id)).tuples().all())
        g._station_parents = parents
    node = station_id
    while parents.get(node) is not None:
        node = parents[node]  # type: ignore[assignment]
    return node


def home_county_id(user: User) -> int | None:
    """The county the user's scope lies in; None for an admin or anyone without a scope."""
    return None if user.scope_station_id is None else county_of(user.scope_station_id)


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


def lineage_in_scope(user: User, station: Station) -> bool:
    """Whether a station lies inside the user's scope, read from its ancestors instead of the whole tree."""
    if user.role == "admin":
        return True
    return user.scope_station_id is not None and any(s.id == user.scope_station_id for s in station.lineage())


def ensure_station_in_scope(user: User, station: int | Station, *, field: str | None = None) -> None:
    """404 (not 403, so existence is not revealed) when the station is outside the user's scope; given the station
    itself (its ancestors loaded, `stations.service.station_with_lineage`), the tree is not read."""
    inside = lineage_in_scope(user, station) if isinstance(station, Station) else station_in_scope(user, station)
    if not inside:
        raise OutOfScope("station not found in your scope", field=field)


# ---------------------------------------------------------------------------------------------------------------
# Objects: who may see or act on what. "Staff over" a station: a staff role whose scope covers it.


def staff_over(user: User, station_id: int) -> bool:
    """Whether the user is staff whose scope covers the station."""
    return user.role in STAFF_ROLES and station_in_scope(user, station_id)


def may_see_team(user: User, team: Team) -> bool:
    """The team's lead and members, and staff over its station."""
    return team.lead_user_id == user.id or team.id == user.team_id or staff_over(user, team.station_id)


def may_manage_team(user: User, team: Team) -> bool:
    """The team's lead, and staff over its station."""
    return team.lead_user_id == user.id or staff_over(user, team.station_id)


def may_see_volunteer(user: User, volunteer: Volunteer) -> bool:
    """The volunteer, their team's lead, and staff over their home station or their team's."""
    if volunteer.user_id == user.id:
        return True
    team = volunteer.team
    if team is not None and team.lead_user_id == user.id:
        return True
    return staff_over(user, volunteer.station_id) or (team is not None and staff_over(user, team.station_id))


def may_manage_volunteer(user: User, volunteer: Volunteer) -> bool:
    """A team member is managed through their team (its lead, or staff over the team's station); only a volunteer
    without a team is managed by staff over their home station (seeing someone is not managing them)."""
    if volunteer.team is not None:
        return may_manage_team(user, volunteer.team)
    return staff_over(user, volunteer.station_id)


def may_see_team_roster(user: User, team: Team) -> bool:
    """The team's lead, and staff over its station (members see their own roster, not the team's)."""
    return team.lead_user_id == user.id or staff_over(user, team.station_id)


def may_act_for_resident(user: User, order: Order) -> bool:
    """Cancel or rate an order: staff over its station, or the resident who placed it or whose order it is."""
    if user.role in STAFF_ROLES:
        return station_in_scope(user, order.station_id)
    return user.role == "resident" and (
        order.placed_by_id == user.id or (order.resident is not None and order.resident.user_id == user.id)
    )


def may_answer_proposal(user: User, proposal: Proposal) -> bool:
    """Accept, decline or swap: the team's lead, or a manager over the team's station."""
    return proposal.team.lead_user_id == user.id or (
        user.role in MANAGER_ROLES and station_in_scope(user, proposal.team.station_id)
    )


def may_run_crew(user: User, order: Order, accepted: Proposal | None) -> bool:
    """Confirm hours, decide corrections, close an order short-handed: the accepted crew's lead, or staff over the
    order's station."""
    return (accepted is not None and accepted.team.lead_user_id == user.id) or staff_over(user, order.station_id)


LIVE_FOR_PHONE = ("accepted", "in_service")


def may_reveal_phone(user: User, order: Order, accepted: Proposal | None) -> bool:
    """The resident's full phone: only the lead of the team that accepted the order, while it is live."""
    if order.status not in LIVE_FOR_PHONE or order.resident is None or not order.resident.phone:
        return False
    return accepted is not None and accepted.team.lead_user_id == user.id
