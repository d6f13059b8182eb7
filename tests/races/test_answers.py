"""A lead's two answers to one proposal at once (accept and decline): the first one wins, the second hears 409."""

from __future__ import annotations

from app.dispatch.models import Proposal
from app.extensions import db
from tests.factories import proposed_order, slot
from tests.races.conftest import Call, assert_doctor_clean

PAIRS = 10


def test_accept_and_decline_at_once_answer_each_proposal_once(app, server, world, bearer, monkeypatch) -> None:
    # The race is the answer, not the re-dispatch after a decline.
    monkeypatch.setitem(app.config, "REDISPATCH_ON_DECLINE", False)
    v1 = world.volunteers["v1"]
    proposals = [proposed_order(world, slot(i), [v1]) for i in range(PAIRS)]
    db.session.commit()
    ids = [p.id for p in proposals]
    lead = bearer("lead_v")
    lead_id = world.users["lead_v"].id
    replies = server.fire_pairs(
        [
            (
                Call("POST", f"/api/v1/proposals/{proposal_id}/accept", lead),
                Call("POST", f"/api/v1/proposals/{proposal_id}/decline", lead, {"reason": "没空"}),
            )
            for proposal_id in ids
        ]
    )
    for proposal_id, (accept, decline) in zip(ids, replies, strict=True):
        assert sorted((accept.status, decline.status)) == [200, 409], (accept, decline)
        stored = db.session.get(Proposal, proposal_id)
        assert stored.status == ("accepted" if accept.status == 200 else "declined")
        assert stored.responded_by_id == lead_id
    assert_doctor_clean()
