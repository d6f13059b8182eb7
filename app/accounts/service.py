"""Account rules: creating users with a role and a scope, and staff administering the users in their subtree."""

from __future__ import annotations

from sqlalchemy import func, or_

from app.accounts.access import authorize, may_grant, outranks, scope_station_ids, within_scope
from app.accounts.models import ROLES, User
from app.audit.service import changed_fields, record_change
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.paging import Page, paginate
from app.extensions import db
from app.stations.models import Station

# Who outranks whom: a staff member may give a role up to their own, never admin unless an admin.


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    station_code: str | None = None,
    display_name: str | None = None,
    team_id: int | None = None,
) -> User:
    """Create an account; every role but admin needs a scope station."""
    if role not in ROLES:
        raise ValidationFailed("unknown role %(role)s", field="role", params={"role": role})
    if db.session.scalar(db.select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed("username %(username)s is taken", field="username", params={"username": username})
    station = None
    if station_code is not None:
        station = db.session.scalar(db.select(Station).where(Station.code == station_code))
        if station is None:
            raise ValidationFailed("no station with code %(code)s", field="station_code", params={"code": station_code})
    elif role != "admin":
        raise ValidationFailed("this role needs a scope station", field="station_code")
    user = User(
        username=username, display_name=display_name or username, role=role, scope_station=station, team_id=team_id
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _check_grant(actor: User, role: str, station_id: int | None) -> Station | None:
    """Refuse a role above the actor's, or a scope outside the actor's subtree; returns the scope station."""
    if role not in ROLES:
        raise ValidationFailed("unknown role", field="role")
    if not may_grant(actor, role):
        raise Forbidden("you may not give a role above your own")
    if station_id is None:
        if role != "admin":
            raise ValidationFailed("this role needs a scope station", field="scope_station_id")
        return None
    station = db.session.get(Station, station_id)
    ids = scope_station_ids(actor)
    if station is None or (ids is not None and station_id not in ids):
        raise ValidationFailed("no such station in your area", field="scope_station_id")
    return station


def users_in_scope(actor: User):
    """A query of the users the actor administers: those scoped inside the actor's subtree (admins: all)."""
    authorize(actor, "users.list")
    return within_scope(db.select(User), actor, User.scope_station_id)


def list_users(
    *,
    actor: User,
    q: str | None = None,
    role: str | None = None,
    station_id: int | None = None,
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[User]:
    """Users the actor administers, searched by username or name, filtered, one page at a time."""
    query = users_in_scope(actor)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.display_name).like(pattern)))
    if role:
        query = query.where(User.role == role)
    if station_id is not None:
        from app.accounts.access import subtree_ids

        query = query.where(User.scope_station_id.in_(subtree_ids(station_id)))
    if active is not None:
        query = query.where(User.active.is_(active))
    return paginate(query, order_by=User.username, page=page, per_page=per_page)


def get_user(*, actor: User, user_id: int) -> User:
    """One user the actor administers, or 404."""
    user = db.session.scalar(users_in_scope(actor).where(User.id == user_id))
    if user is None:
        raise NotFound("user not found")
    return user


def add_user(
    *, actor: User, username: str, display_name: str, role: str, scope_station_id: int | None, password: str
) -> User:
    """Create an account inside the actor's subtree with a role no higher than the actor's."""
    authorize(actor, "users.manage")
    station = _check_grant(actor, role, scope_station_id)
    if db.session.scalar(db.select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise ValidationFailed("this username is taken", field="username")
    user = User(username=username, display_name=display_name, role=role, scope_station=station)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(
        "account.created",
        actor,
        "user",
        user,
        user.scope_station_id,
        {"role": role, "scope_station_id": scope_station_id},
    )
    return user


def change_user(*, actor: User, user_id: int, **changes: object) -> User:
    """Change a user's name, role, scope or active flag (not one's own role, scope or activity)."""
    user = get_user(actor=actor, user_id=user_id)
    if outranks(user, actor):
        raise Forbidden("you may not change a user who outranks you")
    if user.id == actor.id and {"role", "scope_station_id", "active"} & set(changes):
        raise ValidationFailed("you cannot change your own role, area or activity", field="role")
    role = str(changes.get("role", user.role))
    station_id = changes.get("scope_station_id", user.scope_station_id)
    if "role" in changes or "scope_station_id" in changes:
        _check_grant(actor, role, station_id)  # type: ignore[arg-type]
    before = {key: getattr(user, key) for key in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    if changes.get("active") is False:
        from app.accounts import auth

        auth.end_sessions(user=user)
        auth.revoke_tokens(user=user)
    db.session.flush()
    after = {key: getattr(user, key) for key in changes}
    if before != after:
        record_change("account.changed", actor, "user", user, user.scope_station_id, changed_fields(before, after))
    return user


PASSWORD_MIN_LENGTH = 8


def _check_new_password(password: str, *, field: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH or len(password) > 200:
        raise ValidationFailed("a password has %(n)s to 200 characters", field=field, params={"n": PASSWORD_MIN_LENGTH})


def change_password(*, user: User, current_password: str, new_password: str, keep_token_id: int | None = None) -> None:
    """Change one's own password; every other session and token of the user ends."""
    from app.accounts import auth
    from app.audit import record

    if not user.check_password(current_password):
        raise ValidationFailed("the current password is wrong", field="current_password")
    _check_new_password(new_password, field="new_password")
    user.set_password(new_password)
    auth.end_sessions(user=user)
    auth.revoke_tokens(user=user, except_token_id=keep_token_id)
    record("account.password_changed", actor=user, target_type="user", target_id=user.id)


def reset_password(*, staff: User, user_id: int, new_password: str) -> User:
    """Staff set a new password for someone in their scope (admins for anyone); the user's sessions and tokens end."""
    from app.accounts import auth
    from app.accounts.access import allowed, authorize, in_scope, is_admin
    from app.audit import record
    from app.core.errors import Forbidden, OutOfScope

    authorize(staff, "users.password.reset")
    user = db.session.get(User, user_id)
    if user is None:
        raise OutOfScope("user not found", field="user_id")
    if not is_admin(staff):
        if user.scope_station_id is None or not in_scope(staff, "users.password.reset", user.scope_station_id):
            raise OutOfScope("user not found", field="user_id")
        # Those who may reset others' passwords have theirs reset by an admin (or by themselves).
        if allowed(user, "users.password.reset") and user.id != staff.id:
            raise Forbidden("only an admin may reset the password of county staff")
    _check_new_password(new_password, field="new_password")
    user.set_password(new_password)
    auth.end_sessions(user=user)
    auth.revoke_tokens(user=user)
    record(
        "account.password_reset", actor=staff, target_type="user", target_id=user.id, station_id=user.scope_station_id
    )
    return user
