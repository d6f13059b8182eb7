"""Crew re-checks when a lead accepts or swaps: the engine's rules decide reach, availability, overlap and limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.dispatch.models import Proposal, ProposalMember
from tests.factories import placed_order
from tests.orders.test_lifecycle_api import dispatch, place, tomorrow_window

ELDER_CARE = [{"skill": "elder-care", "count": 1}]


@pytest.fixture
def proposed(client, world, token_for, db):
    """One pending proposal with a one-person elder-care crew, and the team mate who could replace them."""
    place(client, token_for("staff"), world, item="MI-15", needs=ELDER_CARE, windows=[tomorrow_window(9, 12)])
    dispatch(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    member = proposal.crew[0].volunteer
    mate = next(v for v in world.volunteers.values() if v.code in ("V1", "V2") and v.id != member.id)
    return proposal, member, mate


def _swap(client, token_for, proposal, member, mate):
    return client.post(
        f"/api/v1/proposals/{proposal.id}/swap",
        json={"out_volunteer_id": member.id, "in_volunteer_id": mate.id},
        headers=token_for("lead_v"),
    )


def _hold(
    db, world, volunteer, proposal, *, shift: timedelta, status: str = "pending", station: str = "PY-BY-01"
) -> Proposal:
    """Another live proposal holding the volunteer for another order (one live proposal per order), shifted
    from the given one's time."""
    other = placed_order(world, proposal.start_at + shift, station=station)
    other.status = "accepted" if status == "accepted" else "dispatched"
    held = Proposal(
        order=other,
        team=proposal.team,
        start_at=proposal.start_at + shift,
        end_at=proposal.end_at + shift,
        deadline_at=proposal.deadline_at,
        status=status,
    )
    held.crew = [ProposalMember(volunteer=volunteer, skill=proposal.crew[0].skill)]
    db.session.add(held)
    db.session.commit()
    return held


def test_swap_refuses_a_replacement_beyond_their_distance_limit(client, world, token_for, db, proposed) -> None:
    proposal, member, mate = proposed
    mate.station = world.stations["PY"]
    mate.max_km = 0.5
    db.session.commit()
    response = _swap(client, token_for, proposal, member, mate)
    assert response.status_code == 422
    refusal = "the order is beyond the replacement's distance limit"
    assert response.get_json()["errors"] == {"in_volunteer_id": [refusal]}


def test_swap_refuses_a_replacement_who_is_not_free_then(client, world, token_for, db, proposed) -> None:
    proposal, member, mate = proposed
    mate.availability = []
    db.session.commit()
    response = _swap(client, token_for, proposal, member, mate)
    assert response.status_code == 422
    assert response.get_json()["message"] == "the replacement is not available then"


def test_swap_refuses_a_replacement_rostered_elsewhere_then(client, world, token_for, db, proposed) -> None:
    proposal, member, mate = proposed
    _hold(db, world, mate, proposal, shift=timedelta(minutes=30))
    response = _swap(client, token_for, proposal, member, mate)
    assert response.status_code == 422
    assert response.get_json()["message"] == "the replacement is rostered elsewhere then"


def test_swap_takes_a_replacement_whose_other_work_is_days_away(client, world, token_for, db, proposed) -> None:
    proposal, member, mate = proposed
    _hold(db, world, mate, proposal, shift=timedelta(days=1))
    response = _swap(client, token_for, proposal, member, mate)
    assert response.status_code == 200, response.get_json()
    assert [m["volunteer_id"] for m in response.get_json()["crew"]] == [mate.id]


def test_accept_refuses_while_a_crew_member_is_rostered_elsewhere(client, world, token_for, db, proposed) -> None:
    proposal, member, _ = proposed
    # The database refuses two overlapping live jobs; what is left to the re-check is the travel between them:
    # the other job, across the county, ends ten minutes before this one starts.
    before = -(proposal.end_at - proposal.start_at) - timedelta(minutes=10)
    held = _hold(db, world, member, proposal, shift=before, status="accepted", station="PY-CM-01")
    response = client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v"))
    assert response.status_code == 409
    assert f"(order {held.order.code})" in response.get_json()["message"]
    held.status = "withdrawn"
    db.session.commit()
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v")).status_code == 200
