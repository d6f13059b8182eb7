"""Stations in three tiers: county centre (中心), township institute (所), village station (站)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

LEVELS = ("county", "township", "village")
LEVEL_RANK = {"county": 0, "township": 1, "village": 2}


class Station(db.Model):
    """A place where residents order services; nests county > township > village."""

    __tablename__ = "stations"
    __table_args__ = (CheckConstraint("level IN ('county', 'township', 'village')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Station | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Station]] = relationship(back_populates="parent", order_by="Station.code")

    def lineage(self) -> list[Station]:
        """This station and its ancestors, nearest first."""
        chain: list[Station] = []
        node: Station | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def county(self) -> Station:
        """The county centre this station belongs to."""
        return self.lineage()[-1]

    def __repr__(self) -> str:
        return f"<Station {self.code} {self.level}>"
