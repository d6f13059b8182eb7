"""The outbox: one message per dedupe key, retries with backoff, a reason for every failure, no duplicates."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.notifications import service
from app.notifications.models import OutboxMessage
from app.notifications.senders import LogSender

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PERSON = service.Recipient(name="马大爷", user_id=None, email="ma@example.cn", phone="13900000000")


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would be sent, or fails as told."""

    sent: list = []
    fail_with: Exception | None = None

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, username: str, password: str) -> None:
        pass

    def send_message(self, message) -> None:  # noqa: ANN001
        if FakeSMTP.fail_with is not None:
            raise FakeSMTP.fail_with
        FakeSMTP.sent.append(message)


@pytest.fixture()
def smtp(app, monkeypatch):
    """Email through the fake SMTP server only."""
    FakeSMTP.sent = []
    FakeSMTP.fail_with = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.test")
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", ["email"])
    return FakeSMTP


def _enqueue(key: str = "k1", recipient: service.Recipient = PERSON) -> list[OutboxMessage]:
    return service.enqueue(key=key, kind="test", recipient=recipient, subject="主题", body="正文", now=NOW)


def _deliver_all(now: datetime) -> list[str]:
    ids = service.claim_due(now=now)
    db.session.commit()
    outcomes = [service.deliver(message_id=i, now=now) for i in ids]
    db.session.commit()
    return outcomes


def test_one_message_per_channel_and_key(app, db, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", ["log", "email", "sms", "wechat"])
    queued = _enqueue()
    # No WeChat id is known for this person, so that channel is left out.
    assert sorted(m.channel for m in queued) == ["email", "log", "sms"]
    assert _enqueue() == []
    db.session.commit()
    assert _enqueue() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 3


def test_log_sender_delivers_once(app, db, caplog) -> None:
    _enqueue()
    db.session.commit()
    with caplog.at_level("INFO", logger="diandan.notifications"):
        assert _deliver_all(NOW) == ["sent"]
        assert _deliver_all(NOW + timedelta(hours=1)) == []
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("notify #")]
    assert len(lines) == 1
    message = db.session.scalar(db.select(OutboxMessage))
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)
    # Issue 13 row 11: the log holds neither the text, nor the name, nor the full address ...
    assert "正文" not in lines[0] and PERSON.name not in lines[0] and PERSON.email not in lines[0]
    # ... and the delivered message keeps none of them either.
    assert (message.subject, message.body, message.recipient_name) == ("", "", "")
    assert message.address != PERSON.email and message.address.endswith("@" + PERSON.email.split("@")[1])
    assert [a.outcome for a in message.attempt_log] == ["sent"]


def test_email_through_smtp(app, db, smtp) -> None:
    _enqueue()
    db.session.commit()
    assert _deliver_all(NOW) == ["sent"]
    (email,) = smtp.sent
    assert email["To"] == "ma@example.cn" and email["Subject"] == "主题"
    assert email.get_content().strip() == "正文"
    assert email["Message-ID"].startswith("<k1.email@")


def test_failures_retry_with_exponential_backoff_then_give_up(app, db, smtp, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 3)
    smtp.fail_with = smtplib.SMTPServerDisconnected("connection lost")
    (message,) = _enqueue()
    db.session.commit()
    assert _deliver_all(NOW) == ["retry"]
    assert message.next_attempt_at == NOW + timedelta(seconds=60)
    # Not due yet: nothing is tried.
    assert _deliver_all(NOW + timedelta(seconds=30)) == []
    assert _deliver_all(NOW + timedelta(seconds=60)) == ["retry"]
    assert message.next_attempt_at == NOW + timedelta(seconds=60 + 120)
    assert _deliver_all(NOW + timedelta(seconds=180)) == ["failed"]
    assert message.status == "failed" and message.attempts == 3
    assert [a.outcome for a in message.attempt_log] == ["retry", "retry", "failed"]
    assert all("connection lost" in a.error for a in message.attempt_log)
    assert message.last_error.startswith("gave up after 3 attempts")
    assert _deliver_all(NOW + timedelta(days=1)) == []
    assert smtp.sent == []


def test_backoff_is_capped(app, db, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_BACKOFF_MAX_S", 600)
    assert service.backoff(1) == timedelta(seconds=60)
    assert service.backoff(4) == timedelta(seconds=480)
    assert service.backoff(10) == timedelta(seconds=600)


def test_refused_recipient_fails_without_retry(app, db, smtp) -> None:
    smtp.fail_with = smtplib.SMTPRecipientsRefused({"ma@example.cn": (550, b"no such user")})
    (message,) = _enqueue()
    db.session.commit()
    assert _deliver_all(NOW) == ["failed"]
    assert message.last_error.startswith("refused:")


@pytest.mark.parametrize("channel", ["sms", "wechat", "email"])
def test_unconfigured_channels_fail_with_a_reason(app, db, monkeypatch, channel) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", [channel])
    (message,) = _enqueue(recipient=service.Recipient(name="x", email="x@example.cn", phone="1", wechat="openid-1"))
    db.session.commit()
    assert _deliver_all(NOW) == ["failed"]
    assert message.last_error.startswith("not configured:")


def test_sms_gateway_when_configured(app, db, monkeypatch) -> None:
    posted: list = []

    class Reply:
        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self) -> bytes:
            return b'{"ok": true}'

    def fake_urlopen(request, timeout):  # noqa: ANN001
        posted.append((request.full_url, request.data.decode(), request.headers["Authorization"]))
        return Reply()

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", ["sms"])
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", "https://sms.test/send")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", "secret")
    _enqueue()
    db.session.commit()
    assert _deliver_all(NOW) == ["sent"]
    (url, payload, auth) = posted[0]
    assert url == "https://sms.test/send" and '"to": "13900000000"' in payload and auth == "Bearer secret"


class Recording(LogSender):
    """A pluggable sender for the test: remembers what it sent."""

    channel = "log"
    seen: list[str] = []

    def send(self, message) -> None:  # noqa: ANN001
        Recording.seen.append(message.dedupe_key)


def test_senders_are_pluggable(app, db, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_SENDERS", {"log": f"{__name__}:Recording"})
    Recording.seen = []
    _enqueue()
    db.session.commit()
    assert _deliver_all(NOW) == ["sent"]
    assert Recording.seen == ["k1:log"]


def test_an_interrupted_send_is_failed_not_resent(app, db) -> None:
    (message,) = _enqueue()
    db.session.commit()
    assert service.claim_due(now=NOW) == [message.id]
    db.session.commit()
    # The process died before recording the outcome; much later the claim is found.
    assert _deliver_all(NOW + timedelta(minutes=5)) == []
    assert message.status == "sending"
    assert _deliver_all(NOW + timedelta(minutes=16)) == []
    assert message.status == "failed" and "not retried" in message.last_error


def test_disabled_notifications_queue_nothing(app, db, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "NOTIFY_ENABLED", False)
    assert _enqueue() == []
