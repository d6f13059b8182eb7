"""Locks that keep scheduled work to one process: a leader lock, and one lock per job.

PostgreSQL: session advisory locks on a dedicated connection, released by the server when the process dies.
SQLite: OS file locks (flock) beside the database file, released by the kernel when the process dies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from flask import Flask
from sqlalchemy import Connection, Engine, text

from app.extensions import db

logger = logging.getLogger("diandan.scheduler")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a name."""
    return int.from_bytes(hashlib.blake2b(f"diandan:{name}".encode(), digest_size=8).digest(), "big", signed=True)


class Lock(Protocol):
    """A non-blocking, process-wide lock."""

    def acquire(self) -> bool: ...

    def healthy(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on its own connection."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.engine.connect()
        # Off the pool: closing it must end the session (and the lock), never hand a locked session to someone else.
        conn.detach()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def healthy(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = self._conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted")
            ).scalar()
            self._conn.commit()
            return bool(held)
        except Exception:  # noqa: BLE001 (a dead connection means the lock is gone)
            logger.warning("lock %s: connection lost", self.name, exc_info=True)
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._conn.commit()
        except Exception:  # noqa: BLE001 (closing the session releases it anyway)
            logger.warning("lock %s: unlock failed; closing the session", self.name, exc_info=True)
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                logger.debug("lock %s: close failed", self.name, exc_info=True)


class FileLeaderLock:
    """An exclusive OS file lock."""

    def __init__(self, path: Path, name: str) -> None:
        self.name = name
        self.path = path
        self._lock = FileLock(str(path), timeout=0, thread_local=False)

    def acquire(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def healthy(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


def lock_dir(app: Flask) -> Path:
    """Where SQLite deployments keep lock files: beside the database file, or as configured."""
    configured = app.config.get("SCHEDULER_LOCK_FILE")
    if configured:
        return Path(configured).parent
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite://" and ":memory:" not in uri:
        return Path(uri[len("sqlite:///") :].split("?")[0]).resolve().parent
    # An in-memory database lives in one process, so a per-process lock directory is enough.
    return Path(tempfile.gettempdir()) / f"diandan-memory-{os.getpid()}"


def _lock_file(app: Flask, name: str) -> Path:
    configured = app.config.get("SCHEDULER_LOCK_FILE")
    directory = lock_dir(app)
    directory.mkdir(parents=True, exist_ok=True)
    if configured and name == "leader":
        return Path(configured)
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    stem = Path(uri.split("?")[0]).name if uri.startswith("sqlite:///") else "diandan"
    return directory / f"{stem or 'diandan'}.scheduler-{name}.lock"


def _engine(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def make_lock(app: Flask, name: str) -> Lock:
    """A lock by name, of the kind the database calls for."""
    engine = _engine(app)
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, f"scheduler:{name}")
    return FileLeaderLock(_lock_file(app, name), name)


def leader_lock(app: Flask) -> Lock:
    """The lock whose holder is the one scheduler instance that runs jobs."""
    return make_lock(app, "leader")


@contextmanager
def job_lock(app: Flask, job: str) -> Iterator[bool]:
    """Hold a job's lock while it runs; yields False (and holds nothing) when another process runs it."""
    lock = make_lock(app, f"job-{job}")
    got = lock.acquire()
    try:
        yield got
    finally:
        if got:
            lock.release()
