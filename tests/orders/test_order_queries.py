"""Order creation is the service's hottest write: the statements one request sends are counted, so they cannot
grow back unnoticed (LOAD.md: each round trip costs milliseconds on a loaded machine)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event

from app.core.timeutil import LOCAL_TZ
from app.extensions import db

# token, station, station tree, menu item with its needs and skills, resident, order, needs, windows, the order's
# code, its first event, the audit entries (the transition's and, for staff, the request's).
MOST_STATEMENTS = 12


def test_placing_an_order_sends_at_most_twelve_statements_and_answers_from_what_it_stored(
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

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/orders", json=body, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 201, response.get_json()
    assert len(statements) <= MOST_STATEMENTS, "\n".join(" ".join(s.split())[:100] for s in statements)
    answer = response.get_json()
    # The answer comes from the objects as stored, not read back: it must say what a later read says.
    assert answer == client.get(f"/api/v1/orders/{answer['id']}", headers=headers).get_json()
    assert answer["windows"][0]["start"].endswith("+00:00") and answer["needs"] == [{"skill": "elder-care", "count": 2}]
