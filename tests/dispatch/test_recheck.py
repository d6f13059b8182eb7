"""Crew re-checks when a lead accepts or swaps: the engine's rules decide reach, availability, overlap and limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

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


def _hold(db, world, volunteer, proposal, *, shift: timedelta, status: str = "pending") -> Proposal:
    """Another order's live proposal holding the volunteer, shifted from the given one's time."""
    other = placed_order(world, proposal.start_at + shift)
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


def test_the_database_refuses_a_crew_member_rostered_elsewhere_then(client, world, token_for, db, proposed) -> None:
    """Overlap is held by the database itself now: the overlapping hold cannot be stored, the accept goes on."""
    proposal, member, _ = proposed
    with pytest.raises(IntegrityError, match="volunteer_overlap"):
        _hold(db, world, member, proposal, shift=timedelta(minutes=-30), status="accepted")
    db.session.rollback()
    assert client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v")).status_code == 200
