"""A dispatch request only queues: the statements it sends are counted so the answer stays fast (LOAD.md)."""

from __future__ import annotations

from sqlalchemy import event

from app.dispatch.models import DispatchRun
from app.extensions import db

# token, the county, any run already waiting, the new run, the lent teams (for the second pass), the staff audit line.
MOST_STATEMENTS = 6


def _statements(client, headers) -> tuple[object, list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(" ".join(statement.split())[:100])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/dispatch/runs", json={"county": "PY"}, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return response, statements


def test_queueing_a_run_sends_at_most_six_statements_and_answers_what_was_stored(client, world, token_for) -> None:
    headers = token_for("county")
    response, statements = _statements(client, headers)
    assert response.status_code == 202, response.get_json()
    assert len(statements) <= MOST_STATEMENTS, "\n".join(statements)
    [answer] = response.get_json()
    assert answer["status"] == "queued" and answer["county"] == "PY" and answer["progress"] == {}
    assert answer == client.get(f"/api/v1/dispatch/runs/{answer['id']}", headers=headers).get_json()
    again, statements = _statements(client, headers)
    assert again.get_json() == [answer] and len(statements) <= MOST_STATEMENTS - 1, "\n".join(statements)
    assert db.session.scalar(db.select(db.func.count(DispatchRun.id))) == 1
