"""Phone sign-in: codes hashed, expiring, limited in number and tries, sent by the outbox with the phone masked."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.accounts import phone_login
from app.accounts.models import LoginCode, User
from app.core.errors import ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.service import deliver_now

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PHONE = "13912345678"


def _sent_code(login_code: LoginCode) -> str:
    message = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"login-code:{login_code.id}:%"))
    )
    return re.search(r"\d{6}", message.body).group(0)


@pytest.mark.parametrize("typed", ["139 1234 5678", "+86 139-1234-5678", "008613912345678"])
def test_phone_numbers_are_read_as_typed(app, typed: str) -> None:
    assert phone_login.normalize_phone(typed) == PHONE


@pytest.mark.parametrize("typed", ["", "12345", "23912345678", "1391234567a", "139123456789"])
def test_other_numbers_are_refused_naming_the_field(app, typed: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        phone_login.normalize_phone(typed)
    assert refused.value.field == "phone"


def test_only_digests_are_stored_and_the_code_goes_by_sms(app, db) -> None:
    sent = phone_login.request_code(phone=PHONE, now=NOW)
    db.session.commit()
    row = db.session.get(LoginCode, sent.login_code.id)
    code = _sent_code(row)
    assert PHONE not in (row.phone_digest + row.code_hash) and code not in row.code_hash
    assert row.expires_at == NOW + timedelta(minutes=app.config["LOGIN_CODE_TTL_MINUTES"])
    channels = db.session.scalars(db.select(OutboxMessage.channel)).all()
    assert channels == ["sms"]


def test_development_log_shows_the_code_with_the_phone_masked(app, db, monkeypatch, caplog) -> None:
    monkeypatch.setitem(app.config, "DEV_PAGES", True)
    # Alembic's logging set-up (in the migration tests) disables existing loggers; this test reads them.
    for name in ("diandan.accounts", "diandan.notifications"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    with caplog.at_level(logging.INFO):
        sent = phone_login.request_code(phone=PHONE, now=NOW)
        code = _sent_code(sent.login_code)
        db.session.commit()
        deliver_now(message_ids=sent.message_ids, now=NOW)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert code in logged and PHONE not in logged and "139****5678" in logged
    assert phone_login.dev_codes()[0] == {"to": "139****5678", "code": code, "at": NOW}
    # Once sent, the outbox keeps no text of the code.
    assert all(code not in m.body for m in db.session.scalars(db.select(OutboxMessage)))


def test_a_right_code_works_once(app, db) -> None:
    sent = phone_login.request_code(phone=PHONE, now=NOW)
    code = _sent_code(sent.login_code)
    assert phone_login.check_code(phone=PHONE, code=code, now=NOW) is phone_login.CodeCheck.OK
    assert phone_login.check_code(phone=PHONE, code=code, now=NOW) is phone_login.CodeCheck.EXPIRED


def test_codes_expire(app, db) -> None:
    sent = phone_login.request_code(phone=PHONE, now=NOW)
    later = NOW + timedelta(minutes=app.config["LOGIN_CODE_TTL_MINUTES"], seconds=1)
    assert (
        phone_login.check_code(phone=PHONE, code=_sent_code(sent.login_code), now=later)
        is phone_login.CodeCheck.EXPIRED
    )


def test_tries_are_limited(app, db) -> None:
    sent = phone_login.request_code(phone=PHONE, now=NOW)
    code = _sent_code(sent.login_code)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(app.config["LOGIN_CODE_MAX_ATTEMPTS"]):
        assert phone_login.check_code(phone=PHONE, code=wrong, now=NOW) is phone_login.CodeCheck.WRONG
    # Even the right code is refused once the tries are used up.
    assert phone_login.check_code(phone=PHONE, code=code, now=NOW) is phone_login.CodeCheck.LOCKED


def test_codes_are_limited_per_minute_and_per_hour(app, db) -> None:
    phone_login.request_code(phone=PHONE, now=NOW)
    with pytest.raises(ValidationFailed):
        phone_login.request_code(phone=PHONE, now=NOW + timedelta(seconds=30))
    for minute in range(1, app.config["LOGIN_CODES_PER_HOUR"]):
        phone_login.request_code(phone=PHONE, now=NOW + timedelta(minutes=minute * 2))
    with pytest.raises(ValidationFailed):
        phone_login.request_code(phone=PHONE, now=NOW + timedelta(minutes=30))
    phone_login.request_code(phone=PHONE, now=NOW + timedelta(minutes=61))


def test_concurrent_tries_never_pass_the_limit(app, db) -> None:
    """Many wrong tries at once, each in its own connection: the counter stops at the maximum."""
    if db.engine.url.get_backend_name() == "sqlite" and db.engine.url.database in (None, "", ":memory:"):
        pytest.skip("needs a database shared between connections (run with TEST_DATABASE_URL)")
    sent = phone_login.request_code(phone=PHONE, now=NOW)
    db.session.commit()
    code = _sent_code(sent.login_code)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    limit = app.config["LOGIN_CODE_MAX_ATTEMPTS"]
    outcomes: list[phone_login.CodeCheck] = []
    barrier = threading.Barrier(limit * 2)

    def attempt() -> None:
        with app.app_context():
            barrier.wait()
            outcome = phone_login.check_code(phone=PHONE, code=wrong, now=NOW)
            db.session.commit()
            outcomes.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(limit * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert db.session.get(LoginCode, sent.login_code.id).attempts == limit
    assert outcomes.count(phone_login.CodeCheck.WRONG) == limit
    assert outcomes.count(phone_login.CodeCheck.LOCKED) == limit


def test_sign_up_makes_a_resident_at_the_chosen_station(app, world) -> None:
    station = world.stations["PY-BY-01"]
    user = phone_login.sign_up_resident(phone=PHONE, name=" 王大妈 ", station_id=station.id)
    assert (user.role, user.display_name, user.phone, user.scope_station_id) == (
        "resident",
        "王大妈",
        PHONE,
        station.id,
    )
    assert phone_login.resident_with_phone("139-1234-5678").id == user.id
    with pytest.raises(ValidationFailed):
        phone_login.sign_up_resident(phone=PHONE, name="又一个", station_id=station.id)
    digest = phone_login.phone_digest(PHONE)
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.phone_digest == digest)) == 1
