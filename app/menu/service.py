"""Menu rules (制单): what can be ordered where, and by whom."""

from __future__ import annotations

from typing import Any

from app.accounts.access import allowed, authorize, scope_station_ids
from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
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
        raise ValidationFailed("unknown skill %(code)s", field=field, params={"code": code})
    return skill


def _adopted_by(county_id: int) -> set[int]:
    """Templates a county has adopted (its stations see the county's copy instead)."""
    return set(
        db.session.scalars(
            db.select(MenuItem.adopted_from_id).where(
                MenuItem.adopted_from_id.is_not(None), MenuItem.station_id == county_id
            )
        )
    )


def item_orderable_at(item: MenuItem, station: Station, *, adopted: set[int] | None = None) -> bool:
    """Whether an active item's scope covers a station (a template: unless the station's county adopted it)."""
    if not item.active:
        return False
    if item.station_id is None:
        return item.id not in (adopted if adopted is not None else _adopted_by(station.county().id))
    # Below the item's station: that station is among this one's ancestors (a few rows, not the whole tree).
    return any(s.id == item.station_id for s in station.lineage())


def list_menu(
    *,
    priority: str | None = None,
    mode: str | None = None,
    station_id: int | None = None,
    include_inactive: bool = False,
    manager: User | None = None,
) -> list[MenuItem]:
    """Menu items, grouped by priority order then code; optionally only those orderable at a station, or only
    those a manager looks after (their county's and the shared templates)."""
    query = db.select(MenuItem).join(PracticePriority).order_by(PracticePriority.sort_order, MenuItem.code)
    if manager is not None:
        ids = scope_station_ids(manager)
        if ids is not None:
            query = query.where(MenuItem.station_id.is_(None) | MenuItem.station_id.in_(ids))
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
        adopted = _adopted_by(station.county().id)
        items = [item for item in items if item_orderable_at(item, station, adopted=adopted)]
    return items


def get_menu_item(item_id: int) -> MenuItem:
    """One menu item, or 404."""
    item = db.session.get(MenuItem, item_id)
    if item is None:
        raise NotFound("menu item not found")
    return item


def create_menu_item(*, user: User, needs: list[dict], priority: str, **fields: Any) -> MenuItem:
    """Add a menu item (county staff)."""
    authorize(user, "menu.edit")
    if db.session.scalar(db.select(MenuItem.id).where(MenuItem.code == fields["code"])) is not None:
        raise ValidationFailed("menu item code %(code)s is taken", field="code", params={"code": fields["code"]})
    practice = db.session.scalar(db.select(PracticePriority).where(PracticePriority.code == priority))
    if practice is None:
        raise ValidationFailed("unknown practice priority %(code)s", field="priority", params={"code": priority})
    station_id = fields.get("station_id")
    if station_id is not None:
        authorize(user, "menu.edit", int(station_id), field="station_id")
    elif not allowed(user, "menu.template.edit"):
        # County staff add to their own county's menu; only an admin adds a shared template.
        if user.scope_station is None:
            raise ValidationFailed("say which station may order it", field="station_id")
        fields["station_id"] = user.scope_station.county().id
    item = MenuItem(priority=practice, **fields)
    for index, need in enumerate(needs):
        item.needs.append(
            MenuItemNeed(skill=skill_by_code(need["skill"], field=f"needs.{index}.skill"), count=need["count"])
        )
    db.session.add(item)
    db.session.flush()
    return item


def ensure_may_change_item(user: User, item: MenuItem) -> None:
    """A county's item is changed by managers whose scope covers it (another county's: 404); a shared template
    only by an admin (a county adopts it to make it its own)."""
    authorize(user, "menu.edit")
    if item.station_id is None:
        if not allowed(user, "menu.template.edit"):
            raise Forbidden("a shared template is changed by an admin; adopt it to change your county's copy")
        return
    authorize(user, "menu.edit", item.station_id)


def update_menu_item(*, user: User, item_id: int, **changes: Any) -> MenuItem:
    """Edit or (de)activate a menu item (county staff)."""
    authorize(user, "menu.edit")
    item = get_menu_item(item_id)
    ensure_may_change_item(user, item)
    for key, value in changes.items():
        setattr(item, key, value)
    db.session.flush()
    return item


def adopt_menu_item(*, user: User, item_id: int) -> MenuItem:
    """A county takes its own copy of a shared template: its stations then order (and its staff edit) the copy."""
    authorize(user, "menu.edit")
    template = get_menu_item(item_id)
    if template.station_id is not None:
        raise ValidationFailed("only a shared template can be adopted", field="item_id")
    scope = user.scope_station
    if scope is None:
        raise ValidationFailed("adopt as staff of a county", field="item_id")
    county = scope.county()
    if scope.id != county.id:
        raise Forbidden("a county centre's staff adopt menu items")
    if template.id in _adopted_by(county.id):
        raise InvalidTransition("your county has already adopted this item", field="item_id")
    copy = MenuItem(
        code=f"{template.code}@{county.code}"[:40],
        title=template.title,
        title_en=template.title_en,
        description=template.description,
        priority_id=template.priority_id,
        mode=template.mode,
        duration_minutes=template.duration_minutes,
        default_priority=template.default_priority,
        orderable_by=template.orderable_by,
        station_id=county.id,
        adopted_from_id=template.id,
        active=True,
    )
    copy.needs = [MenuItemNeed(skill_id=n.skill_id, count=n.count) for n in template.needs]
    db.session.add(copy)
    db.session.flush()
    return copy
