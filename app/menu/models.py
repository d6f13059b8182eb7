"""The menu (制单): five practice priorities, specialties, skills and orderable menu items."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

# The five service modes: 讲 lecture, 帮 help, 树 role models, 乐 culture and fun, 行 action.
MODES = ("lecture", "help", "model", "culture", "action")
MODE_LABELS_ZH = {"lecture": "讲", "help": "帮", "model": "树", "culture": "乐", "action": "行"}
# Who may place an order for an item: anyone (residents too) or station staff on a resident's behalf only.
ORDERABLE_BY = ("resident", "staff")


class PracticePriority(db.Model):
    """One of the five practice priorities (五大实践重点), the menu's top level."""

    __tablename__ = "practice_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    icon: Mapped[str] = mapped_column(String(32), default="")


class Specialty(db.Model):
    """A volunteer specialty, such as legal aid or farming technique; teams have one."""

    __tablename__ = "specialties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))


class Skill(db.Model):
    """A skill a volunteer holds and a menu item needs."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    specialty_id: Mapped[int | None] = mapped_column(ForeignKey("specialties.id"))

    specialty: Mapped[Specialty | None] = relationship()


class MenuItem(db.Model):
    """An orderable service: what it is, which priority it serves, who it needs and for how long."""

    __tablename__ = "menu_items"
    __table_args__ = (
        CheckConstraint("mode IN ('lecture', 'help', 'model', 'culture', 'action')", name="mode"),
        CheckConstraint("orderable_by IN ('resident', 'staff')", name="orderable_by"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    priority_id: Mapped[int] = mapped_column(ForeignKey("practice_priorities.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int]
    default_priority: Mapped[int] = mapped_column(default=3)
    orderable_by: Mapped[str] = mapped_column(String(16), default="resident")
    # The station whose subtree may order this item, inside the county that owns it; None makes it a shared
    # template: offered everywhere, changed only by an admin, until a county adopts it (takes its own copy).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    # The shared template this county item was adopted from; the county's stations then see the copy only.
    adopted_from_id: Mapped[int | None] = mapped_column(ForeignKey("menu_items.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    priority: Mapped[PracticePriority] = relationship()
    needs: Mapped[list[MenuItemNeed]] = relationship(
        back_populates="menu_item", cascade="all, delete-orphan", order_by="MenuItemNeed.id"
    )


class MenuItemNeed(db.Model):
    """How many volunteers with a skill a menu item needs."""

    __tablename__ = "menu_item_needs"
    __table_args__ = (
        UniqueConstraint("menu_item_id", "skill_id", name="uq_menu_item_needs_item_skill"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_item_id: Mapped[int] = mapped_column(ForeignKey("menu_items.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    count: Mapped[int] = mapped_column(default=1)

    menu_item: Mapped[MenuItem] = relationship(back_populates="needs")
    skill: Mapped[Skill] = relationship()
