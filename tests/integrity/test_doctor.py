"""The invariants the database holds itself (both backends), and `diandan doctor` finding what breaks the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.cli import doctor
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.orders.models import Order
from tests.factories import accepted_order, proposed_order, slot


def test_doctor_passes_a_sound_database(app, world) -> None:
    accepted_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    result = app.test_cli_runner().invoke(doctor)
    assert result.exit_code == 0, result.output
    assert "all invariants hold" in result.output


def test_doctor_reports_an_order_out_of_step_and_exits_non_zero(app, world) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    # What the old race left behind: a cancelled order with a live proposal.
    db.session.execute(db.update(Order).where(Order.id == proposal.order_id).values(status="cancelled"))
    db.session.commit()
    result = app.test_cli_runner().invoke(doctor)
    assert result.exit_code == 1
    assert f"status_matches_proposal: order {proposal.order_id} (cancelled)" in result.output


def test_the_database_refuses_a_volunteer_two_overlapping_live_jobs(world) -> None:
    v1 = world.volunteers["v1"]
    first = proposed_order(world, slot(0), [v1])
    db.session.commit()
    with pytest.raises(IntegrityError, match="volunteer_overlap"):
        proposed_order(world, first.start_at + timedelta(minutes=30), [v1])
    db.session.rollback()


def test_a_withdrawn_job_frees_the_volunteer(world) -> None:
    v1 = world.volunteers["v1"]
    first = proposed_order(world, slot(0), [v1])
    first.status = "withdrawn"
    db.session.flush()
    second = proposed_order(world, first.start_at, [v1])
    db.session.commit()
    assert db.session.get(ProposalMember, second.crew[0].id).live is True
    assert db.session.get(ProposalMember, first.crew[0].id).live is False


def test_the_database_keeps_one_live_proposal_per_order(world) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    again = Proposal(
        order_id=proposal.order_id,
        team_id=proposal.team_id,
        start_at=proposal.start_at + timedelta(days=1),
        end_at=proposal.end_at + timedelta(days=1),
        deadline_at=proposal.deadline_at,
        status="pending",
        explanation={},
    )
    db.session.add(again)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_doctor_finds_a_crew_row_out_of_step_with_its_job(app, world) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    # Bypass the triggers' bookkeeping, as a careless hand edit in the database could.
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(db.text("ALTER TABLE proposal_members DISABLE TRIGGER proposal_members_copy_slot"))
    db.session.execute(db.update(ProposalMember).values(live=False))
    if postgres:
        db.session.execute(db.text("ALTER TABLE proposal_members ENABLE TRIGGER proposal_members_copy_slot"))
    db.session.commit()
    result = app.test_cli_runner().invoke(doctor)
    assert result.exit_code == 1
    assert f"out of step with proposal {proposal.id}" in result.output
