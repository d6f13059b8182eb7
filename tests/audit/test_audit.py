"""The audit log: state changes and refusals recorded with who and where, scoped reading, CSV, append-only."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from app.audit import record
from app.audit.models import AppendOnlyViolation, AuditEntry
from tests.orders.test_lifecycle_api import place


def _entries(db, **where) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def test_order_transitions_are_recorded_with_actor_and_origin(client, world, token_for, db) -> None:
    staff = token_for("staff")
    order = place(client, staff, world)
    response = client.post(
        f"/api/v1/orders/{order['id']}/cancel",
        json={"reason": "身体不适"},
        headers={**staff, "User-Agent": "audit-test/1"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 200
    cancel = _entries(db, action="order.cancelled") or _entries(db, target_type="order", outcome="ok")
    last = cancel[-1]
    assert last.actor_username == "staff"
    assert last.target_id == str(order["id"])
    assert last.ip == "10.1.2.3"
    assert last.user_agent == "audit-test/1"
    assert last.details["to"] == "cancelled"


def test_refusals_are_recorded_and_survive_the_rollback(client, world, token_for, db) -> None:
    resident = token_for("resident")
    assert client.post("/api/v1/dispatch/runs", json={"county": "PY"}, headers=resident).status_code == 403
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    denied = _entries(db, outcome="denied")
    assert [e.action for e in denied] == ["access.denied", "auth.denied"]
    assert denied[0].actor_username == "resident"
    assert denied[0].path == "/api/v1/dispatch/runs"


def test_county_staff_read_their_county_and_export_csv(client, world, token_for, db) -> None:
    other_county = db.session.scalar(text("SELECT id FROM stations WHERE code = 'PY'"))
    record("test.inside", station_id=world.stations["PY-BY-01"].id, details={"note": '=HYPERLINK("x")'})
    record("test.nowhere", station_id=None)
    db.session.commit()
    county = token_for("county")
    listed = client.get("/api/v1/audit?action=test.", headers=county)
    assert listed.status_code == 200
    assert [e["action"] for e in listed.get_json()] == ["test.inside"]
    assert other_county is not None
    exported = client.get("/api/v1/audit/export.csv?action=test.", headers=county)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[1][3] == "test.inside"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert client.get("/api/v1/audit", headers=token_for("staff")).status_code == 403


def test_audit_page_lists_entries_in_chinese(client, world, db) -> None:
    record("test.page", station_id=world.stations["PY"].id)
    db.session.commit()
    client.post("/login", data={"username": "county", "password": "pass-1234"})
    page = client.get("/audit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "审计日志" in body and "test.page" in body
    assert client.get("/audit/export.csv").status_code == 200


def test_entries_cannot_be_changed_or_removed(world, db) -> None:
    entry = record("test.fixed")
    db.session.commit()
    entry.action = "test.changed"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyViolation):
        db.session.delete(db.session.get(AuditEntry, entry.id))
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete(world, db) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from sqlalchemy.exc import DBAPIError

    record("test.fixed")
    db.session.commit()
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_every_committed_staff_change_is_recorded(client, world, token_for, db) -> None:
    county = token_for("county")
    item = world.menu_item("MI-15")
    response = client.patch(f"/api/v1/menu-items/{item.id}", json={"title": "改过的标题"}, headers=county)
    assert response.status_code == 200
    (entry,) = _entries(db, action="request.menu.MenuItemById")
    assert (entry.actor_username, entry.target_type, entry.target_id) == ("county", "item", str(item.id))
