"""The lead can close an order in service from its page when part of the crew never came."""

from __future__ import annotations

from app.dispatch.models import Proposal
from app.orders.models import Order
from tests.orders.test_lifecycle_api import dispatch, place


def test_lead_finishes_without_the_missing_member(client, world, token_for, db) -> None:
    order_id = place(client, token_for("staff"), world, item="MI-15")["id"]
    dispatch(client, token_for("county"))
    lead = token_for("lead_v")
    proposal = db.session.scalar(db.select(Proposal))
    client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=lead)
    first = proposal.crew[0].volunteer_id
    client.post(f"/api/v1/orders/{order_id}/check-in", json={"volunteer_id": first}, headers=lead)
    client.post(f"/api/v1/orders/{order_id}/check-out", json={"volunteer_id": first}, headers=lead)
    client.post("/login", data={"username": "lead_v", "password": "pass-1234"})
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f"/orders/{order_id}/complete" in page
    response = client.post(f"/orders/{order_id}/complete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order_id).status == "completed"
