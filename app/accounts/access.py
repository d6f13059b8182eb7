"""The access policy in one module: the table of named actions (POLICY, at the end: action -> the roles that may
take it and the scope rule for its object), which stations a user's scope covers, and who may see or act on each
kind of object (team, volunteer, roster, order, proposal, a resident's phone). Every endpoint and page asks
`authorize` (or `allowed`, to choose what to show); no role is compared anywhere else (tests/test_policy.py). The
access walks (tests/api/test_access_matrix.py, tests/views/test_access_pages.py) hold the expected answers for
every operation and page, written apart from this table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask import g, has_app_context
from sqlalchemy import Select, event
from sqlalchemy.orm import Session

from app.accounts.models import ROLES, User
from app.core.errors import Forbidden, OutOfScope
from app.extensions import db
from app.stations.models import Station

if TYPE_CHECKING:
    from app.dispatch.models import Proposal
    from app.orders.models import Order
    from app.volunteers.models import Team, Volunteer

STAFF_ROLES = frozenset({"station_staff", "county_staff", "admin"})
MANAGER_ROLES = frozenset({"county_staff", "admin"})
CREW_ROLES = frozenset({"volunteer", "team_lead"})
EVERYONE = frozenset(ROLES)


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


# ---------------------------------------------------------------------------------------------------------------
# The policy table: every action, who may take it, and where.


class Scope(StrEnum):
    """Where an action's object must lie for the caller to take it."""

    OWN = "own"  # the caller's own object (their orders, team, record, account): decided by the object rules above
    SUBTREE = "subtree"  # at a station inside the caller's scope (the scope's station and every one below it)
    COUNTY = "county"  # in the caller's county (a county's runs, rules, rankings)
    ANYWHERE = "anywhere"  # no object, or one everybody signed in may reach


@dataclass(frozen=True)
class Rule:
    """The roles that may take an action and the scope rule for its object."""

    roles: frozenset[str]
    scope: Scope
    says: str


def _rule(roles: frozenset[str] | set[str], scope: Scope, says: str) -> Rule:
    return Rule(frozenset(roles), scope, says)


ADMIN = frozenset({"admin"})
OWN, SUBTREE, COUNTY, ANYWHERE = Scope.OWN, Scope.SUBTREE, Scope.COUNTY, Scope.ANYWHERE

POLICY: dict[str, Rule] = {
    # Accounts
    "users.list": _rule(STAFF_ROLES, SUBTREE, "see the accounts scoped inside one's own"),
    "users.manage": _rule(STAFF_ROLES, SUBTREE, "add or change an account scoped inside one's own"),
    "users.password.reset": _rule(MANAGER_ROLES, SUBTREE, "set another account's password"),
    # Stations
    "stations.create": _rule(MANAGER_ROLES, SUBTREE, "add a township or village station under one in scope"),
    "stations.county.create": _rule(ADMIN, ANYWHERE, "add a county centre"),
    "stations.code.show": _rule(STAFF_ROLES, SUBTREE, "show a station's rotating check-in code"),
    "stations.code.page": _rule({"station_staff"}, SUBTREE, "the check-in code page of one's own station"),
    "kiosk.run": _rule({"station_staff"}, SUBTREE, "turn a browser into a station's ordering kiosk"),
    # Menu
    "menu.edit": _rule(MANAGER_ROLES, SUBTREE, "add, change or adopt a county's menu items"),
    "menu.template.edit": _rule(ADMIN, ANYWHERE, "add or change a shared menu template"),
    # Orders
    "order.place": _rule({"resident"} | STAFF_ROLES, SUBTREE, "place an order at a station in scope"),
    "order.place.front": _rule({"resident", "station_staff"}, SUBTREE, "order at the front desk (the ordering link)"),
    "order.place.self": _rule({"resident"}, OWN, "order for oneself (one's own resident record)"),
    "order.list.station": _rule(STAFF_ROLES, SUBTREE, "see the orders at stations in scope"),
    "order.list.own": _rule({"resident"}, OWN, "see the orders one placed or that are for oneself"),
    "order.list.team": _rule({"team_lead"}, OWN, "see the orders proposed to one's teams"),
    "order.list.crew": _rule({"volunteer"}, OWN, "see the orders one is crewed on"),
    "order.act_for_resident": _rule({"resident"} | STAFF_ROLES, OWN, "cancel or rate an order (own, or in scope)"),
    "order.details.see": _rule(EVERYONE - {"resident"}, SUBTREE, "see an order's engine reason, actors and reasons"),
    "order.status_link.see": _rule(STAFF_ROLES, SUBTREE, "see an order's public status link to hand a walk-in"),
    "order.crew.run": _rule({"team_lead"} | STAFF_ROLES, OWN, "check a crew in and out, confirm hours, close short"),
    "order.photos.add": _rule({"resident"} | STAFF_ROLES, OWN, "add photos to an order's rating"),
    "order.phone.reveal": _rule({"team_lead"}, OWN, "reveal a live order's resident phone (the accepted lead)"),
    # Dispatch
    "proposal.answer": _rule({"team_lead"} | MANAGER_ROLES, OWN, "accept, decline or swap (one's team, or in scope)"),
    "proposal.list.station": _rule(STAFF_ROLES, SUBTREE, "see proposals for orders or teams in scope"),
    "proposal.list.team": _rule({"team_lead"}, OWN, "see proposals to one's teams"),
    "proposal.list.crew": _rule({"volunteer"}, OWN, "see proposals one is crewed on"),
    "dispatch.runs.see": _rule(STAFF_ROLES, COUNTY, "see the dispatch runs of one's county"),
    "dispatch.run": _rule(MANAGER_ROLES, SUBTREE, "run dispatch for a county in scope"),
    "crew.correction.decide_own": _rule(STAFF_ROLES, SUBTREE, "decide a time correction one asked for oneself"),
    # Teams and volunteers
    "volunteers.list.station": _rule(STAFF_ROLES, SUBTREE, "see the volunteers and teams at stations in scope"),
    "volunteers.list.team": _rule({"team_lead"}, OWN, "see the members of one's teams"),
    "volunteers.create": _rule(STAFF_ROLES, SUBTREE, "register a volunteer at a station in scope"),
    "teams.create": _rule(STAFF_ROLES, SUBTREE, "add a team at a station in scope"),
    "teams.lead": _rule(CREW_ROLES, OWN, "be appointed a team's lead"),
    "teams.see": _rule({"team_lead"} | STAFF_ROLES, OWN, "the teams and volunteers pages (one's teams, or in scope)"),
    "teams.mine": _rule({"team_lead"}, OWN, "the page of the team one leads"),
    "teams.edit": _rule(STAFF_ROLES, SUBTREE, "change a team and its members (staff)"),
    "volunteers.me": _rule(CREW_ROLES, OWN, "one's own service and availability pages"),
    # Rosters, coverage, scheduler, audit
    "rosters.publish": _rule(MANAGER_ROLES, SUBTREE, "publish the week's rosters of the counties in scope"),
    "coverage.see": _rule(STAFF_ROLES, SUBTREE, "see coverage figures, gaps, trends, maps and exports in scope"),
    "scheduler.watch": _rule(MANAGER_ROLES, ANYWHERE, "see the scheduler's jobs, runs and failures"),
    "audit.see": _rule(MANAGER_ROLES, SUBTREE, "see and export the audit log in scope"),
    # Incentives
    "incentives.mine": _rule(CREW_ROLES, OWN, "one's own points, ledger, shop and certificate"),
    "incentives.rankings.see": _rule(CREW_ROLES | STAFF_ROLES, COUNTY, "see one's county's monthly rankings"),
    "incentives.names.see": _rule(STAFF_ROLES, SUBTREE, "see volunteers' names in rankings unmasked"),
    "incentives.rule.edit": _rule(MANAGER_ROLES, SUBTREE, "put a new points rule in force for a county in scope"),
    "incentives.rule.shared.edit": _rule(ADMIN, ANYWHERE, "put a new shared default points rule in force"),
    "incentives.ledger.see": _rule(STAFF_ROLES, SUBTREE, "see a volunteer's hours and points ledger in scope"),
    "incentives.hours.correct": _rule(STAFF_ROLES, SUBTREE, "correct a service line of the hours ledger in scope"),
    "incentives.shop.manage": _rule(STAFF_ROLES, SUBTREE, "keep a station's points shop and hand over gifts"),
    "incentives.subsidy": _rule(STAFF_ROLES, SUBTREE, "download the subsidy report and staff certificates"),
    # Activities, deliberation, household visits
    "activities.manage": _rule(STAFF_ROLES, SUBTREE, "publish, cancel and staff activities in scope"),
    "deliberation.manage": _rule(STAFF_ROLES, SUBTREE, "record meetings and carry demands in scope"),
    "deliberation.demand.own": _rule(STAFF_ROLES, SUBTREE, "be the owner of a demand at a station in scope"),
    "visits.manage": _rule(STAFF_ROLES, SUBTREE, "run household-visit campaigns in scope"),
    "visits.record": _rule(CREW_ROLES | STAFF_ROLES, OWN, "record a visit's outcome (one's own, or in scope)"),
    "activities.browse": _rule(CREW_ROLES | STAFF_ROLES, COUNTY, "the activities pages' link"),
    "visits.mine": _rule(CREW_ROLES, OWN, "one's own visit routes"),
}


def allowed(user: User, action: str) -> bool:
    """Whether the user's role may take the action at all (the object's scope is `authorize`'s)."""
    return user.role in POLICY[action].roles


def roles_for(action: str) -> frozenset[str]:
    """The roles that may take an action (for queries over users and for the navigation)."""
    return POLICY[action].roles


def authorize(user: User, action: str, obj: Any = None, *, field: str | None = None) -> None:
    """Refuse unless the user may take the action on the object: 403 for a role the table does not list, 404 for an
    object outside the scope rule (a station id, or anything with a station_id); OWN objects are the object rules'."""
    rule = POLICY[action]
    if user.role not in rule.roles:
        raise Forbidden("role %(role)s may not do this", params={"role": user.role})
    if obj is None or rule.scope in (Scope.ANYWHERE, Scope.OWN):
        return
    # A station given itself (its ancestors loaded) is checked from them, without reading the station tree.
    station: int | Station = obj if isinstance(obj, Station) else (obj if isinstance(obj, int) else obj.station_id)
    station_id = station.id if isinstance(station, Station) else station
    if rule.scope is Scope.SUBTREE:
        ensure_station_in_scope(user, station, field=field)
    elif user.role != "admin" and county_of(station_id) != home_county_id(user):
        raise OutOfScope("county not found in your scope", field=field)


def in_scope(user: User, action: str, station: int | Station) -> bool:
    """Whether the user may take the action on an object at a station: the role the table lists, and the station
    inside the rule's scope (their subtree, or their county); for finding objects, where out of scope is not found."""
    rule = POLICY[action]
    if user.role not in rule.roles:
        return False
    if rule.scope is Scope.SUBTREE:
        return lineage_in_scope(user, station) if isinstance(station, Station) else station_in_scope(user, station)
    if rule.scope is Scope.COUNTY and user.role != "admin":
        return county_of(station.id if isinstance(station, Station) else station) == home_county_id(user)
    return True


def role_as_lead(user: User) -> str:
    """The role a user holds once appointed a team's lead: a volunteer becomes a team lead."""
    return "team_lead" if user.role == "volunteer" else user.role


def is_admin(user: User) -> bool:
    """An admin: every scope, every county."""
    return user.role == "admin"


# Who may give which role: none above one's own, and admin only by an admin.
ROLE_RANK = {"resident": 0, "volunteer": 1, "team_lead": 2, "station_staff": 3, "county_staff": 4, "admin": 5}


def may_grant(actor: User, role: str) -> bool:
    """Whether the actor may give (or keep giving) a role to an account."""
    return ROLE_RANK[role] <= ROLE_RANK[actor.role] and (role != "admin" or is_admin(actor))


def grantable_roles(actor: User) -> list[str]:
    """The roles the actor may give, lowest first."""
    return [role for role in ROLES if may_grant(actor, role)]


def outranks(user: User, actor: User) -> bool:
    """Whether a user holds a role above the actor's (the actor may then not change them)."""
    return ROLE_RANK[user.role] > ROLE_RANK[actor.role]
