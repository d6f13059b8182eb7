"""A lead sees an order while their team holds its proposal, not after the team said no (issue 13 row 12)."""

from __future__ import annotations

from app.extensions import db
from tests.factories import proposed_order, slot


def test_a_lead_whose_team_declined_no_longer_reads_the_order(client, world, token_for) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    lead = token_for("lead_v")
    order_url = f"/api/v1/orders/{proposal.order_id}"
    assert client.get(order_url, headers=lead).status_code == 200
    declined = client.post(f"/api/v1/proposals/{proposal.id}/decline", json={"reason": "人手不够"}, headers=lead)
    assert declined.status_code == 200, declined.get_json()
    assert client.get(order_url, headers=lead).status_code == 404
    assert client.get(order_url + "/events", headers=lead).status_code == 404
    assert proposal.order_id not in [o["id"] for o in client.get("/api/v1/orders", headers=lead).get_json()]
    # The team's own proposal (its answer) stays in the lead's history.
    assert client.get(f"/api/v1/proposals/{proposal.id}", headers=lead).status_code == 200


def test_a_lead_still_reads_an_order_their_team_accepted(client, world, token_for) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    lead = token_for("lead_v")
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=lead).status_code == 200
    assert client.get(f"/api/v1/orders/{proposal.order_id}", headers=lead).status_code == 200
