"""Residents sign up and sign in with a phone number and a one-time code sent through the outbox."""

from __future__ import annotations

import enum
import hmac
import logging
import re
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import get_locale

from app.accounts.models import LoginCode, User
from app.accounts.phone_numbers import keyed_digest, normalize_phone, phone_digest
from app.core.errors import ValidationFailed
from app.core.masking import mask_phone
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.extensions import db
from app.stations.models import Station

logger = logging.getLogger("diandan.accounts")


class CodeCheck(enum.Enum):
    """How checking a code ended."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


@dataclass(frozen=True)
class SentCode:
    """A code just issued: its row and the outbox messages that carry it."""

    login_code: LoginCode
    message_ids: list[int]


def dev_codes() -> deque:
    """The latest codes issued by this process, for the development page (DEV_PAGES only)."""
    return current_app.extensions.setdefault("diandan_dev_codes", deque(maxlen=20))


def request_code(*, phone: str, now: datetime | None = None) -> SentCode:
    """Issue a six-digit code for a phone and queue it for sending; limited per minute and per hour."""
    from app.notifications import service as outbox

    config = current_app.config
    now = now or utcnow()
    phone = normalize_phone(phone)
    digest = phone_digest(phone)
    recent = list(
        db.session.scalars(
            db.select(LoginCode.created_at)
            .where(LoginCode.phone_digest == digest, LoginCode.created_at > now - timedelta(hours=1))
            .order_by(LoginCode.created_at.desc())
        )
    )
    if len(recent) >= config["LOGIN_CODES_PER_HOUR"]:
        raise ValidationFailed("too many codes for this number; try again in an hour", field="phone")
    if recent and recent[0] > now - timedelta(seconds=config["LOGIN_CODE_RESEND_SECONDS"]):
        raise ValidationFailed("a code was sent moments ago; wait a minute before asking again", field="phone")
    raw = f"{secrets.randbelow(10**6):06d}"
    login_code = LoginCode(
        phone_digest=digest,
        code_hash=keyed_digest("code", digest, raw),
        created_at=now,
        expires_at=now + timedelta(minutes=config["LOGIN_CODE_TTL_MINUTES"]),
    )
    db.session.add(login_code)
    db.session.flush()
    channels = list(config["LOGIN_CODE_CHANNELS"])
    if config.get("DEV_PAGES") and "log" not in channels:
        # The log channel records that a code went out (not the code: the log sender never writes texts).
        channels.append("log")
    from app.notifications import messages

    # The code is read by whoever is at the sign-in page, in the language that page is in.
    page_locale = get_locale() if has_request_context() else None
    subject, body = messages.render(
        "login_code",
        locale=str(page_locale) if page_locale else None,
        code=raw,
        minutes=config["LOGIN_CODE_TTL_MINUTES"],
    )
    if config.get("DEV_PAGES"):
        # Development only: the code in the log and on /dev/codes (kept in this process's memory, never stored),
        # so sign-in can be tried without a phone; the number is masked in both.
        logger.info("login code for %s: %s", mask_phone(phone), raw)
        dev_codes().appendleft({"to": mask_phone(phone), "code": raw, "at": now})
    queued = outbox.enqueue(
        key=f"login-code:{login_code.id}",
        kind="login_code",
        recipient=outbox.Recipient(name="", phone=phone),
        subject=subject,
        body=body,
        data={"login_code_id": login_code.id},
        now=now,
        channels=channels,
    )
    return SentCode(login_code=login_code, message_ids=[message.id for message in queued])


def check_code(*, phone: str, code: str, now: datetime | None = None) -> CodeCheck:
    """Check a typed code against the newest live one for the phone; each try counts, a right code works once.

    Nothing is raised on a wrong code: the caller commits the counted attempt either way.
    """
    config = current_app.config
    now = now or utcnow()
    digest = phone_digest(normalize_phone(phone))
    login_code = db.session.scalar(
        db.select(LoginCode)
        .where(LoginCode.phone_digest == digest, LoginCode.used_at.is_(None), LoginCode.expires_at > now)
        .order_by(LoginCode.created_at.desc(), LoginCode.id.desc())
        .limit(1)
    )
    if login_code is None:
        return CodeCheck.EXPIRED
    # Conditional updates keep the limits under concurrent tries: the counter never passes the maximum,
    # and only one request can spend the code.
    counted = rows_changed(
        db.update(LoginCode)
        .where(LoginCode.id == login_code.id, LoginCode.attempts < config["LOGIN_CODE_MAX_ATTEMPTS"])
        .values(attempts=LoginCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if counted != 1:
        return CodeCheck.LOCKED
    typed = re.sub(r"\s", "", code or "")
    if not hmac.compare_digest(login_code.code_hash, keyed_digest("code", digest, typed)):
        return CodeCheck.WRONG
    spent = rows_changed(
        db.update(LoginCode)
        .where(LoginCode.id == login_code.id, LoginCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return CodeCheck.OK if spent == 1 else CodeCheck.EXPIRED


def resident_with_phone(phone: str) -> User | None:
    """The active resident account holding a phone number, if any."""
    return db.session.scalar(
        db.select(User)
        .where(
            User.role == "resident",
            User.phone_digest == phone_digest(normalize_phone(phone)),
            User.active.is_(True),
        )
        .order_by(User.id)
        .limit(1)
    )


def sign_up_resident(*, phone: str, name: str, station_id: int) -> User:
    """Create a resident account for a phone whose code was just checked, at the station they chose."""
    from app.orders.models import Resident

    phone = normalize_phone(phone)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("say what we should call you", field="name")
    if len(name) > 80:
        raise ValidationFailed("the name is too long", field="name")
    station = db.session.get(Station, station_id) if station_id else None
    if station is None or not station.active:
        raise ValidationFailed("unknown station", field="station_id")
    if resident_with_phone(phone) is not None:
        raise ValidationFailed("this phone already has an account", field="phone")
    user = User(
        username=f"r{secrets.token_hex(6)}",
        display_name=name,
        role="resident",
        scope_station=station,
        phone=phone,
    )
    # Phone accounts never use a password; a random one keeps the column honest and unusable.
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    db.session.add(Resident(name=name, phone=phone, station=station, user_id=user.id))
    db.session.flush()
    return user
