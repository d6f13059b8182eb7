"""Fuzz every documented endpoint from the OpenAPI spec: no input may cause a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.extensions import db as _db


def test_no_server_errors(app, world, token_for) -> None:
    headers = token_for("county")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def exercise(case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            _db.session.rollback()

        exercise()
    assert not failures, "\n".join(sorted(set(failures)))


def test_spec_is_served(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Diandan API"
    assert "/api/v1/orders" in spec["paths"]
    assert "/api/v1/proposals/{proposal_id}/accept" in spec["paths"]
