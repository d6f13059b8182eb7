"""Order creation is the service's hottest write: the statements one request sends are counted, so they cannot
grow back unnoticed (LOAD.md: each round trip costs milliseconds on a loaded machine)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event, text

from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.orders.models import Order
from tests.factories import placed_order, slot

# token, station with its ancestors (for the scope check and the menu item's reach: no station tree), menu item with
# its needs and skills, resident, order (with its code, worked out and returned by the same INSERT), its first event,
# needs, windows, the audit entries (the transition's and, for staff, the request's: one multi-row INSERT on
# PostgreSQL, one INSERT each on SQLite).
MOST_STATEMENTS = {"postgresql": 9, "sqlite": 10}


def test_placing_an_order_sends_at_most_nine_statements_and_answers_from_what_it_stored(
    client, world, token_for
) -> None:
    headers = token_for("staff")
    start = (datetime.now(LOCAL_TZ) + timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    body = {
        "menu_item_id": world.menu_item("MI-15").id,
        "station_id": world.stations["PY-BY-01"].id,
        "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=10)).isoformat()}],
        "resident": {"name": "马大爷", "phone": "13900000000"},
    }
    statements: list[str] = []
    # A served request starts from an empty session: nothing the world's set-up loaded may spare a statement here.
    db.session.remove()

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/orders", json=body, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 201, response.get_json()
    listing = "\n".join(" ".join(s.split())[:100] for s in statements)
    assert len(statements) <= MOST_STATEMENTS[db.engine.dialect.name], listing
    answer = response.get_json()
    # The answer comes from the objects as stored, not read back: it must say what a later read says.
    assert answer == client.get(f"/api/v1/orders/{answer['id']}", headers=headers).get_json()
    assert answer["windows"][0]["start"].endswith("+00:00") and answer["needs"] == [{"skill": "elder-care", "count": 2}]
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements), "the code needs no UPDATE"


def _local_day() -> str:
    return datetime.now(LOCAL_TZ).strftime("%y%m%d")


def test_an_orders_code_is_the_local_day_and_its_id_in_six_digits_or_more(world) -> None:
    """DD, the local date, the id padded to six digits; past 999,999 the id shows whole (as codes always were)."""
    first = placed_order(world, slot(0))
    assert first.code == f"DD{_local_day()}{first.id:06d}" and len(first.code) == 14
    # An order stored with a seven-digit id, then the next one placed: its id and code follow on from it.
    big = Order(
        id=1_234_566,
        code="I1234566",
        menu_item_id=first.menu_item_id,
        station_id=first.station_id,
        status="submitted",
        priority=3,
        duration_minutes=60,
        tier="village",
    )
    db.session.add(big)
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('orders', 'id'), 1234566)"))
    after = placed_order(world, slot(1))
    assert after.id == 1_234_567 and after.code == f"DD{_local_day()}1234567"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Order, after.id).code == f"DD{_local_day()}1234567"
