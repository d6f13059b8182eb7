"""Backups and restores of the whole database: pg_dump/pg_restore on PostgreSQL, the online backup API on SQLite."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made (tool missing, tool failed, wrong kind of file)."""


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(*, url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` (custom-format dump, or a SQLite file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "postgresql":
        # The connection string goes in as an argument: pg_dump reads the password from it, never from a shell.
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        return target
    source = sqlite3.connect(_sqlite_path(url))
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies page by page under SQLite's own locking: writers may keep writing.
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def restore(*, url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup` (everything now in it is lost)."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if make_url(url).get_backend_name() == "postgresql":
        command = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(url),
            str(source),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        return
    with source.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not a SQLite backup")
    backup_db = sqlite3.connect(source)
    live = sqlite3.connect(_sqlite_path(url))
    try:
        backup_db.backup(live)
    finally:
        live.close()
        backup_db.close()
