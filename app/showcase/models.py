"""Photos residents add to a rating: re-encoded without EXIF, kept under the instance folder, named here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.orders.models import Rating


class RatingPhoto(db.Model):
    """A photo of a rated service; the file is `<instance>/photos/<stored_name>` (a JPEG we wrote ourselves)."""

    __tablename__ = "rating_photos"
    __table_args__ = (CheckConstraint("width > 0 AND height > 0 AND size_bytes > 0", name="dimensions_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rating: Mapped[Rating] = relationship()
