"""Probes for load balancers and supervisors, and (only when enabled) the load benchmark's baseline."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify

from app.core.timeutil import utcnow
from app.extensions import csrf, db
from app.ops.service import readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers; nothing else is checked, so a slow database never restarts it."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: database, migrations at head, a live scheduler leader, and the broker when configured."""
    checks = readiness(now=utcnow())
    ready = all(c.ok for c in checks)
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    db.session.rollback()
    return jsonify(body), 200 if ready else 503


# Made on first use, outside the migrations: the table exists only in databases a benchmark ran against.
_bench_table_made: list[bool] = []
_BENCH_TABLE = "CREATE TABLE IF NOT EXISTS bench_rows (id {pk}, created_at TIMESTAMP WITH TIME ZONE NOT NULL)"


@bp.post("/bench/insert")
@csrf.exempt
def bench_insert():
    """One row into the same database: the floor the order-creation figures in LOAD.md are measured against."""
    if not current_app.config["BENCH_ENDPOINTS"]:
        abort(404)
    if not _bench_table_made:
        pk = "SERIAL PRIMARY KEY" if db.engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
        db.session.execute(db.text(_BENCH_TABLE.format(pk=pk)))
        db.session.commit()
        _bench_table_made.append(True)
    row_id = db.session.execute(
        db.text("INSERT INTO bench_rows (created_at) VALUES (:at) RETURNING id"), {"at": utcnow()}
    ).scalar_one()
    db.session.commit()
    return jsonify(id=row_id), 201
