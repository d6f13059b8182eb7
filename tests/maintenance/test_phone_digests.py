"""Phone digests filled in for accounts stored without one: by the data migration and by `diandan keys digests`."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.accounts.models import User
from app.accounts.phone_numbers import digest_of_phone
from app.cli import keys_group
from app.core.crypto import encrypt_text
from app.extensions import db as _db
from tests.factories import make_user


def _digests() -> dict[str, str | None]:
    return dict(_db.session.execute(text("SELECT username, phone_digest FROM users")).all())


def test_the_command_fills_missing_digests_once(app, db, world) -> None:
    with_phone = make_user("old_resident", "resident", None)
    with_phone.phone = "139 0000 1111"
    make_user("no_phone", "resident", None)
    db.session.commit()
    # As stored before phone sign-in kept digests, plus one left behind by a removed number.
    db.session.execute(text("UPDATE users SET phone_digest = NULL WHERE username = 'old_resident'"))
    db.session.execute(text("UPDATE users SET phone_digest = 'stale' WHERE username = 'no_phone'"))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(keys_group, ["digests"])
    assert first.exit_code == 0, first.output
    assert "2 filled in" in first.output
    digests = _digests()
    assert digests["old_resident"] == digest_of_phone("13900001111") and digests["no_phone"] is None
    again = runner.invoke(keys_group, ["digests"])
    assert "0 filled in" in again.output and _digests() == digests
    _db.session.expire_all()
    assert _db.session.get(User, with_phone.id).phone_digest == digest_of_phone("13900001111")


def test_the_migration_fills_digests_of_existing_accounts(tmp_path) -> None:
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="75891eb0d116")
        with _db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (username, display_name, password_hash, role, phone, active, created_at,"
                    " session_epoch) VALUES ('old', 'old', 'x', 'resident', :phone, 1, '2026-01-01 00:00:00', 0)"
                ),
                {"phone": encrypt_text("13900002222")},
            )
        upgrade()
        with _db.engine.connect() as connection:
            stored = connection.execute(text("SELECT phone_digest FROM users WHERE username = 'old'")).scalar()
        _db.engine.dispose()
        assert stored == digest_of_phone("13900002222")
