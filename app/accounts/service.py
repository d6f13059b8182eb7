"""Account rules: creating users with a role and a scope."""

from __future__ import annotations

from app.accounts.models import ROLES, User
from app.core.errors import ValidationFailed
from app.extensions import db
from app.stations.models import Station


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
        raise ValidationFailed(f"unknown role {role}", field="role")
    if db.session.scalar(db.select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(f"username {username} is taken", field="username")
    station = None
    if station_code is not None:
        station = db.session.scalar(db.select(Station).where(Station.code == station_code))
        if station is None:
            raise ValidationFailed(f"no station with code {station_code}", field="station_code")
    elif role != "admin":
        raise ValidationFailed("this role needs a scope station", field="station_code")
    user = User(
        username=username, display_name=display_name or username, role=role, scope_station=station, team_id=team_id
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


PASSWORD_MIN_LENGTH = 8


def _check_new_password(password: str, *, field: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH or len(password) > 200:
        raise ValidationFailed(f"a password has {PASSWORD_MIN_LENGTH} to 200 characters", field=field)


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
    from app.accounts.access import require_role, station_in_scope
    from app.audit import record
    from app.core.errors import Forbidden, OutOfScope

    require_role(staff, "county_staff", "admin")
    user = db.session.get(User, user_id)
    if user is None:
        raise OutOfScope("user not found", field="user_id")
    if staff.role != "admin":
        if user.scope_station_id is None or not station_in_scope(staff, user.scope_station_id):
            raise OutOfScope("user not found", field="user_id")
        if user.role in ("county_staff", "admin") and user.id != staff.id:
            raise Forbidden("only an admin may reset the password of county staff")
    _check_new_password(new_password, field="new_password")
    user.set_password(new_password)
    auth.end_sessions(user=user)
    auth.revoke_tokens(user=user)
    record(
        "account.password_reset", actor=staff, target_type="user", target_id=user.id, station_id=user.scope_station_id
    )
    return user
