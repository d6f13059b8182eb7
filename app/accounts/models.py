"""Users with a role and a scope, and API bearer tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.timeutil import utcnow
from app.core.types import EncryptedString, UTCDateTime
from app.extensions import db
from app.stations.models import Station

ROLES = ("resident", "station_staff", "volunteer", "team_lead", "county_staff", "admin")


class User(UserMixin, db.Model):
    """A person who signs in: role says what they do, scope station says where."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('resident', 'station_staff', 'volunteer', 'team_lead', 'county_staff', 'admin')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    # County, township or station the user acts within; None only for admins.
    scope_station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", use_alter=True), index=True)
    # Encrypted at rest (DATA_KEYS); shown masked except to the accepted crew's lead (app.orders.phones).
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    # A keyed digest of the mobile number, kept with it, so phone sign-in can find the account (the phone
    # itself is encrypted and not searchable).
    phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of the id kept in session and remember cookies: raising it (logout, password change) ends them all.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    scope_station: Mapped[Station | None] = relationship()

    @validates("phone")
    def _keep_phone_digest(self, key: str, value: str | None) -> str | None:
        from app.accounts.phone_numbers import digest_of_phone

        self.phone_digest = digest_of_phone(value)
        return value

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session id: user id and session epoch, so a raised epoch revokes old cookies."""
        return f"{self.id}:{self.session_epoch or 0}"

    def set_password(self, password: str) -> None:
        """Hash and store a password."""
        from flask import current_app

        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        """Whether a password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class LoginCode(db.Model):
    """A one-time code sent to a phone to sign in or sign up; only digests of the phone and the code are kept."""

    __tablename__ = "login_codes"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
