"""Messages in each recipient's language: an account's chosen locale (set by the language switch), Chinese for
walk-ins and accounts that chose none."""

from __future__ import annotations

from datetime import timedelta

from app.core.timeutil import set_clock
from app.dispatch import proposals
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.service import notify, recipient_for_user
from app.rosters.service import _summary
from schedules.runner import run_job
from tests.rosters.builders import W49, accepted_job, local, place, propose


def _messages(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def test_a_lead_who_chose_english_is_told_in_english_and_a_walk_in_in_chinese(db, at_t0) -> None:
    world = at_t0
    world.users["lead_v"].locale = "en"
    world.users["staff"].locale = "en"
    order = place(world, start=local(W49 + timedelta(days=3), 9))
    proposal = propose(world, order)
    (to_lead,) = _messages("proposal_new")
    assert to_lead.subject == "New order to answer"
    assert f"has a new order: “{order.menu_item.title_en}” ({order.code})" in to_lead.body
    assert "12-03 09:00" in to_lead.body and "月" not in to_lead.body
    proposals.accept_proposal(user=world.users["lead_v"], proposal_id=proposal.id)
    # The walk-in has no account, so no language of their own: the default, whatever the staff read.
    (to_walk_in,) = _messages("order_accepted")
    assert to_walk_in.subject == "您的点单已被接单" and "12月03日 09:00" in to_walk_in.body
    assert order.menu_item.title in to_walk_in.body


def test_an_account_without_a_locale_is_told_in_chinese(db, at_t0) -> None:
    world = at_t0
    assert world.users["lead_v"].locale is None
    propose(world, place(world, start=local(W49 + timedelta(days=3), 9)))
    (to_lead,) = _messages("proposal_new")
    assert to_lead.subject == "新派单待答复" and "12月03日 09:00" in to_lead.body


def test_reminders_and_phrases_follow_the_volunteer(app, db, at_t0) -> None:
    world = at_t0
    job = accepted_job(world, start=local(W49 + timedelta(days=3), 10))
    english = next(m.volunteer for m in job.crew if m.volunteer.user_id == world.users["volunteer"].id)
    world.users["volunteer"].locale = "en"
    db.session.commit()
    set_clock(local(W49 + timedelta(days=2), 17))
    assert run_job(app, "reminders").counts["queued"] == 2
    by_name = {m.recipient_name: m for m in _messages("reminder")}
    assert by_name[english.name].subject == "Service tomorrow"
    skill = next(m.skill for m in job.crew if m.volunteer_id == english.id)
    assert f"your part: {skill.name_en}." in by_name[english.name].body
    others = [m for name, m in by_name.items() if name != english.name]
    assert others and all(m.subject == "明日服务提醒" for m in others)
    notify(
        key="phrase-test",
        kind="roster_published",
        recipient=recipient_for_user(world.users["volunteer"]),
        values={
            "owner": "V1",
            "week": "W50",
            "version": 2,
            "summary": _summary({"added": [1], "removed": [], "changed": []}, 3, 2),
        },
        channels=["log"],
    )
    assert "1 added, 0 cancelled, 0 changed" in _messages("roster_published")[0].body
