"""Feed tokens stay out of access logs and expire; database errors never log their parameters (issue 13 row 21)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.logsafety import RedactSecretsFilter
from app.core.timeutil import set_clock
from tests.rosters.builders import T0
from tests.rosters.test_feeds import feed  # noqa: F401  (fixture)


def _record(msg: str, args) -> logging.LogRecord:  # noqa: ANN001
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args, None)


def test_access_log_lines_lose_the_token(feed) -> None:  # noqa: F811
    _, _, body = feed
    token = body["token"]
    request_line = f"GET /api/v1/rosters/volunteer/1.ics?token={token}&week=2026-W49 HTTP/1.1"
    # The dev server logs `'"%s" %s %s', (request_line, ...)`; gunicorn passes its atoms as a dict.
    dev = _record('%s - - [%s] "%s" %s %s', ("127.0.0.1", "now", request_line, "200", "-"))
    gunicorn = _record('%(h)s "%(r)s" %(s)s', {"h": "127.0.0.1", "r": request_line, "s": "200"})
    for record in (dev, gunicorn):
        assert RedactSecretsFilter().filter(record)
        line = record.getMessage()
        assert token not in line and "token=[redacted]&week=2026-W49" in line
    assert any(isinstance(f, RedactSecretsFilter) for f in logging.getLogger("werkzeug").filters)
    assert any(isinstance(f, RedactSecretsFilter) for f in logging.getLogger("gunicorn.access").filters)


def test_feed_links_expire(client, feed) -> None:  # noqa: F811
    _, _, body = feed
    url = body["feeds"][0]["url"]
    assert client.get(url).status_code == 200
    set_clock(T0 + timedelta(days=181))
    assert client.get(url).status_code == 401


def test_database_errors_do_not_carry_parameters(db) -> None:
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table WHERE phone = :phone"), {"phone": "13912345678"})
    db.session.rollback()
    assert "13912345678" not in str(caught.value)
