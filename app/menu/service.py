"""Menu rules (制单): what can be ordered where, and by whom."""

from __future__ import annotations

from app.accounts.access import MANAGER_ROLES, ensure_station_in_scope, require_role, subtree_ids
from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.menu.models import MenuItem, MenuItemNeed, PracticePriority, Skill, Specialty
from app.stations.models import Station


def list_priorities() -> list[PracticePriority]:
    """The five practice priorities in menu order."""
    return list(db.session.scalars(db.select(PracticePriority).order_by(PracticePriority.sort_order)))


def list_skills() -> list[Skill]:
    """Every skill."""
    return list(db.session.scalars(db.select(Skill).order_by(Skill.code)))


def list_specialties() -> list[Specialty]:
    """Every specialty."""
    return list(db.session.scalars(db.select(Specialty).order_by(Specialty.code)))


def skill_by_code(code: str, *, field: str = "skill") -> Skill:
    """The skill with a code, or a 422 naming the field."""
    skill = db.session.scalar(db.select(Skill).where(Skill.code == code))
    if skill is None:
        raise ValidationFailed(f"unknown skill {code}", field=field)
    return skill


def item_orderable_at(item: MenuItem, station: Station) -> bool:
    """Whether an active item's scope covers a station."""
    return item.active and (item.station_id is None or station.id in subtree_ids(item.station_id))


def list_menu(
    *,
    priority: str | None = None,
    mode: str | None = None,
    station_id: int | None = None,
    include_inactive: bool = False,
) -> list[MenuItem]:
    """Menu items, grouped by priority order then code; optionally only those orderable at a station."""
    query = db.select(MenuItem).join(PracticePriority).order_by(PracticePriority.sort_order, MenuItem.code)
    if not include_inactive:
        query = query.where(MenuItem.active.is_(True))
    if priority is not None:
        query = query.where(PracticePriority.code == priority)
    if mode is not None:
        query = query.where(MenuItem.mode == mode)
    items = list(db.session.scalars(query))
    if station_id is not None:
        station = db.session.get(Station, station_id)
        if station is None:
            raise NotFound("station not found", field="station_id")
        items = [item for item in items if item_orderable_at(item, station)]
    return items


def get_menu_item(item_id: int) -> MenuItem:
    """One menu item, or 404."""
    item = db.session.get(MenuItem, item_id)
    if item is None:
        raise NotFound("menu item not found")
    return item


def create_menu_item(*, user: User, needs: list[dict], priority: str, **fields: object) -> MenuItem:
    """Add a menu item (county staff)."""
    require_role(user, *MANAGER_ROLES)
    if db.session.scalar(db.select(MenuItem.id).where(MenuItem.code == fields["code"])) is not None:
        raise ValidationFailed(f"menu item code {fields['code']} is taken", field="code")
    practice = db.session.scalar(db.select(PracticePriority).where(PracticePriority.code == priority))
    if practice is None:
        raise ValidationFailed(f"unknown practice priority {priority}", field="priority")
    station_id = fields.get("station_id")
    if station_id is not None:
        ensure_station_in_scope(user, int(station_id), field="station_id")  # type: ignore[arg-type]
    item = MenuItem(priority=practice, **fields)
    for index, need in enumerate(needs):
        item.needs.append(
            MenuItemNeed(skill=skill_by_code(need["skill"], field=f"needs.{index}.skill"), count=need["count"])
        )
    db.session.add(item)
    db.session.flush()
    return item


def update_menu_item(*, user: User, item_id: int, **changes: object) -> MenuItem:
    """Edit or (de)activate a menu item (county staff)."""
    require_role(user, *MANAGER_ROLES)
    item = get_menu_item(item_id)
    if item.station_id is not None:
        ensure_station_in_scope(user, item.station_id)
    for key, value in changes.items():
        setattr(item, key, value)
    db.session.flush()
    return item
