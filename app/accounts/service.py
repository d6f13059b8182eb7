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
