"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from config import normalize_database_url


def _migrated_matches_models(url: str) -> list:
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return diff


def test_sqlite_migrations_match_models(tmp_path) -> None:
    assert _migrated_matches_models(f"sqlite:///{tmp_path / 'migrated.db'}") == []


def test_upgrade_leaves_the_running_process_loggers_working(tmp_path) -> None:
    """Alembic's logging set-up would otherwise switch off every logger made before it (the app's, the outbox's)."""
    import logging

    made_before = logging.getLogger("diandan.notifications")
    _migrated_matches_models(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert not made_before.disabled


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_MIGRATE_DATABASE_URL"), reason="TEST_MIGRATE_DATABASE_URL not set")
def test_postgres_migrations_match_models() -> None:
    url = normalize_database_url(os.environ["TEST_MIGRATE_DATABASE_URL"])
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    assert _migrated_matches_models(url) == []
