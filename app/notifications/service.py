"""The outbox: enqueue once per dedupe key, claim due messages, send them with retries and backoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.accounts.models import User
from app.core.masking import mask_address
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.extensions import db
from app.notifications.messages import render
from app.notifications.models import DeliveryAttempt, OutboxMessage
from app.notifications.senders import NotConfigured, PermanentFailure, sender_for
from app.orders.models import Resident
from app.volunteers.models import Volunteer


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, with whatever addresses we hold for them."""

    name: str
    user_id: int | None = None
    email: str | None = None
    phone: str | None = None
    wechat: str | None = None
    # The language they read (an account's chosen locale); None is the default, Chinese, as for walk-ins.
    locale: str | None = None

    def address(self, channel: str) -> str | None:
        """Where this channel reaches them, or None."""
        if channel == "log":
            return self.email or self.phone or (f"user:{self.user_id}" if self.user_id else self.name)
        return {"email": self.email, "sms": self.phone, "wechat": self.wechat}.get(channel)


def recipient_for_user(user: User) -> Recipient:
    """A user account as a recipient."""
    return Recipient(name=user.display_name, user_id=user.id, email=user.email, phone=user.phone, locale=user.locale)


def recipient_for_volunteer(volunteer: Volunteer) -> Recipient:
    """A volunteer, reached at their own contacts or their account's."""
    user = db.session.get(User, volunteer.user_id) if volunteer.user_id else None
    return Recipient(
        name=volunteer.name,
        user_id=user.id if user else None,
        email=volunteer.email or (user.email if user else None),
        phone=volunteer.phone or (user.phone if user else None),
        locale=user.locale if user else None,
    )


def recipient_for_resident(resident: Resident) -> Recipient:
    """A resident: walk-ins have only a phone, account holders an email too."""
    user = resident.user
    return Recipient(
        name=resident.name,
        user_id=user.id if user else None,
        email=user.email if user else None,
        phone=resident.phone or (user.phone if user else None),
        locale=user.locale if user else None,
    )


def enqueue(
    *,
    key: str,
    kind: str,
    recipient: Recipient,
    subject: str,
    body: str,
    data: dict | None = None,
    now: datetime | None = None,
    channels: list[str] | None = None,
) -> list[OutboxMessage]:
    """Queue a message on every configured channel (or those given) that reaches the recipient; once per key."""
    config = current_app.config
    if not config.get("NOTIFY_ENABLED", True):
        return []
    now = now or utcnow()
    queued: list[OutboxMessage] = []
    for channel in channels if channels is not None else config["NOTIFY_CHANNELS"]:
        address = recipient.address(channel)
        if not address:
            continue
        dedupe_key = f"{key}:{channel}"[:200]
        if db.session.scalar(db.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
            continue
        message = OutboxMessage(
            dedupe_key=dedupe_key,
            kind=kind,
            channel=channel,
            recipient_user_id=recipient.user_id,
            recipient_name=recipient.name[:80],
            address=address[:200],
            subject=subject[:200],
            body=body,
            data=data or {},
            status="pending",
            next_attempt_at=now,
            created_at=now,
        )
        db.session.add(message)
        queued.append(message)
    db.session.flush()
    return queued


def notify(
    *,
    key: str,
    kind: str,
    recipient: Recipient,
    values: dict[str, object],
    data: dict | None = None,
    now: datetime | None = None,
    channels: list[str] | None = None,
) -> list[OutboxMessage]:
    """Render a message kind in the recipient's language and queue it (see enqueue)."""
    subject, body = render(kind, locale=recipient.locale, **values)
    return enqueue(
        key=key, kind=kind, recipient=recipient, subject=subject, body=body, data=data, now=now, channels=channels
    )


def deliver_now(*, message_ids: list[int], now: datetime | None = None) -> list[str]:
    """Claim and send particular pending messages at once (a login code cannot wait for the next minute)."""
    now = now or utcnow()
    outcomes = []
    for message_id in message_ids:
        # A conditional update claims the row even if the scheduler is claiming at the same moment: one wins.
        claimed = rows_changed(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(status="sending", claimed_at=now)
            .execution_options(synchronize_session="fetch")
        )
        if claimed == 1:
            outcomes.append(deliver(message_id=message_id, now=now))
    return outcomes


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: doubling from the base, capped."""
    config = current_app.config
    seconds = min(config["NOTIFY_BACKOFF_BASE_S"] * 2 ** max(attempts - 1, 0), config["NOTIFY_BACKOFF_MAX_S"])
    return timedelta(seconds=seconds)


def _log(message: OutboxMessage, *, outcome: str, error: str, now: datetime) -> None:
    message.attempt_log.append(DeliveryAttempt(attempt=message.attempts, at=now, outcome=outcome, error=error[:1000]))
    if error:
        message.last_error = error[:1000]


def claim_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Mark due messages as being sent and return their ids; a claim interrupted long ago is failed, not resent."""
    config = current_app.config
    now = now or utcnow()
    stale_before = now - timedelta(minutes=config["NOTIFY_STALE_SENDING_MINUTES"])
    for message in db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale_before)
    ):
        # The sender may have delivered before the process died; sending again could duplicate it.
        message.status = "failed"
        _log(message, outcome="failed", error="interrupted while sending; not retried to avoid a duplicate", now=now)
        _purge_personal_data(message)
    query = (
        db.select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit or config["NOTIFY_BATCH_SIZE"])
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = list(db.session.scalars(query))
    for message in claimed:
        message.status = "sending"
        message.claimed_at = now
    db.session.flush()
    return [message.id for message in claimed]


def deliver(*, message_id: int, now: datetime | None = None) -> str:
    """Send one claimed message and record the attempt: sent, retry later (with backoff) or failed for good."""
    config = current_app.config
    now = now or utcnow()
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != "sending":
        return "skipped"
    message.attempts += 1
    try:
        sender_for(message.channel, config).send(message)
    except NotConfigured as error:
        message.status = "failed"
        _log(message, outcome="failed", error=f"not configured: {error}", now=now)
    except PermanentFailure as error:
        message.status = "failed"
        _log(message, outcome="failed", error=f"refused: {error}", now=now)
    except Exception as error:  # noqa: BLE001 (any provider error is a reason to retry)
        reason = f"{type(error).__name__}: {error}"
        if message.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
            message.status = "failed"
            _log(message, outcome="failed", error=f"gave up after {message.attempts} attempts: {reason}", now=now)
        else:
            message.status = "pending"
            message.next_attempt_at = now + backoff(message.attempts)
            _log(message, outcome="retry", error=reason, now=now)
    else:
        message.status = "sent"
        message.sent_at = now
        _log(message, outcome="sent", error="", now=now)
    message.claimed_at = None
    if message.status in ("sent", "failed"):
        _purge_personal_data(message)
    db.session.flush()
    return message.status if message.status != "pending" else "retry"


def _purge_personal_data(message: OutboxMessage) -> None:
    """A finished message keeps only what delivery statistics need: no text, no name, a masked address."""
    message.subject = ""
    message.body = ""
    message.recipient_name = ""
    message.address = mask_address(message.address)


def outbox_counts() -> dict[str, int]:
    """Messages by status."""
    rows = db.session.execute(db.select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status))
    return dict(rows.tuples().all())


def prune_messages(*, before: datetime) -> int:
    """Forget sent and failed messages created before a moment (their attempts go with them)."""
    return rows_changed(
        db.delete(OutboxMessage).where(OutboxMessage.created_at < before, OutboxMessage.status.in_(("sent", "failed")))
    )


def recent_failures(*, limit: int = 10) -> list[OutboxMessage]:
    """Messages given up on, newest first, with their reasons."""
    query = db.select(OutboxMessage).where(OutboxMessage.status == "failed").order_by(OutboxMessage.id.desc())
    return list(db.session.scalars(query.limit(limit)))
