"""Codes the system stores, said in the reader's language: engine reasons, event reasons, triggers, jobs, outcomes."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.web.helpers import label
from app.web.service_messages import N_

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# Engine reason codes as sentences; a sentence with parameters is used when the engine gave them all.
UNASSIGNED_SENTENCES: dict[str, tuple[str, str | None]] = {
    "window_too_short": (
        N_("The times picked are shorter than the service."),
        N_("The times picked are shorter than the service (%(duration)s minutes)."),
    ),
    "no_skill": (
        N_("No volunteer has the skill this service needs yet."),
        N_("No volunteer has the skill “%(skill)s” yet."),
    ),
    "all_teams_excluded": (N_("Every team that could serve it has already said no."), None),
    "out_of_reach": (
        N_("No volunteer with the right skill lives near enough."),
        N_("No volunteer with the skill “%(skill)s” lives near enough."),
    ),
    "max_orders": (N_("Every suitable volunteer is fully booked this week."), None),
    "skill_at_max_orders": (
        N_("Every suitable volunteer is fully booked this week."),
        N_("Every volunteer with the skill “%(skill)s” nearby is fully booked this week."),
    ),
    "max_orders_partly": (
        N_("Too many of the suitable volunteers are fully booked this week to make up a crew."),
        N_(
            "%(at_max)s of the %(qualified)s suitable volunteers are fully booked this week; "
            "the rest cannot make up a crew at one time."
        ),
    ),
    "busy_max_orders": (N_("The suitable volunteers are busy with other orders or fully booked at those times."), None),
    "not_available": (
        N_("No suitable volunteer is free at the times picked. More times help."),
        N_("No volunteer with the skill “%(skill)s” is free at the times picked. More times help."),
    ),
    "no_team_with_all_skills": (N_("No single team has everyone needed free at the same time."), None),
    "busy": (N_("The suitable volunteers are busy with other orders at those times."), None),
    "capacity_taken": (N_("The suitable volunteers are taken by more urgent orders at those times."), None),
    "not_selected": (
        N_("It could not be fitted in alongside the other orders this time; it will be tried again."),
        None,
    ),
    "unknown": (N_("The engine has not looked at this order yet."), None),
}

# The six praise words residents give (stored in Chinese, as people say them), in English for English pages.
RATING_TAG_LABELS = {
    "看得见": _l("Visible"),
    "听得懂": _l("Easy to follow"),
    "信得过": _l("Trustworthy"),
    "愿参与": _l("Makes you join in"),
    "用得上": _l("Useful"),
    "真点赞": _l("Truly great"),
}

TRIGGER_LABELS = {
    "manual": _l("Run by staff on the page"),
    "cli": _l("Run from the command line"),
    "api": _l("Run through the API"),
    "schedule": _l("Scheduled run"),
    "redispatch": _l("Re-dispatch after a decline"),
    "test": _l("Test run"),
}

JOB_LABELS = {
    "dispatch": _l("Dispatch open orders"),
    "proposal_deadlines": _l("Proposal deadlines"),
    "order_expiry": _l("Expire unserved orders"),
    "roster_publication": _l("Publish weekly rosters"),
    "reminders": _l("Reminders for tomorrow"),
    "coverage_snapshot": _l("Coverage snapshot"),
    "notifications": _l("Send notifications"),
    "housekeeping": _l("Housekeeping"),
}

OUTCOME_LABELS = {
    "running": _l("Running"),
    "ok": _l("OK"),
    "failed": _l("Failed"),
    "skipped": _l("Skipped"),
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
}

NOTIFICATION_KIND_LABELS = {
    "login_code": _l("Sign-in code"),
    "order_accepted": _l("Order accepted"),
    "order_expired": _l("Order lapsed"),
    "order_cancelled": _l("Order cancelled"),
    "order_completed": _l("Service done"),
    "job_cancelled": _l("Job cancelled"),
    "proposal_new": _l("New proposal"),
    "roster_published": _l("Roster published"),
    "reminder": _l("Reminder"),
}

# Reasons the system writes without values; anything else in a reason was typed by a person and is shown as typed.
FIXED_REASONS = frozenset(
    (
        N_("placed by the resident"),
        N_("placed on behalf of a resident"),
        N_("every crew member checked out"),
        N_("completed without the full crew"),
        N_("cancelled"),
        N_("order cancelled"),
        N_("order expired"),
        N_("every requested time window passed unserved"),
        N_("the team did not answer before the deadline"),
    )
)

# Reasons written with values (record_event's reason_params): their ids, listed so pybabel extracts them.
PARAMETERISED_REASONS = (
    _l("proposed to %(team)s"),
    _l("accepted by %(team)s"),
    _l("%(n)s team(s) at the %(tier)s tier said no"),
    _l("no team could take it at the %(tier)s tier: %(why)s"),
    _l("%(out)s replaced by %(in)s"),
)


def _skill_name(code: object) -> str:
    from app.extensions import db
    from app.menu.models import Skill
    from app.web.helpers import localized

    skill = db.session.scalar(db.select(Skill).where(Skill.code == str(code)))
    return localized(skill) if skill is not None else str(code)


def unassigned_sentence(code: str | None, params: dict | None = None) -> str:
    """Why the engine has not placed an order, as a sentence in the reader's language."""
    if not code:
        return ""
    plain, with_params = UNASSIGNED_SENTENCES.get(code, (None, None))
    if plain is None:
        # A code this app does not know yet: say so plainly rather than show the engine's English.
        return gettext("The engine could not place it yet.")
    params = dict(params or {})
    if with_params is not None and set(_PLACEHOLDER.findall(with_params)) <= set(params):
        if "skill" in params:
            params["skill"] = _skill_name(params["skill"])
        try:
            return gettext(with_params) % params
        except (KeyError, TypeError, ValueError):
            pass
    return gettext(plain)


def reason_text(reason: str | None, data: dict | None = None) -> str:
    """A stored event or decline reason in the reader's language; a person's own words are left as typed."""
    from app.web.helpers import LEVEL_LABELS, STATUS_LABELS

    data = data or {}
    reason_id = data.get("reason_id")
    if reason_id:
        params = dict(data.get("reason_params") or {})
        if "tier" in params:
            params["tier"] = str(LEVEL_LABELS.get(params["tier"], params["tier"]))
        if "status" in params:
            params["status"] = str(STATUS_LABELS.get(params["status"], params["status"]))
        if "why" in params:
            params["why"] = unassigned_sentence(params.get("code"), params) or params["why"]
        try:
            return gettext(reason_id) % params
        except (KeyError, TypeError, ValueError):
            return reason or ""
    if reason in FIXED_REASONS:
        return gettext(reason)
    return reason or ""


def event_reason(event: Any) -> str:
    """An order event's reason for the timeline: engine reasons by their code, the rest by reason_text."""
    data = event.data or {}
    if event.kind == "not_placed" and data.get("code"):
        return unassigned_sentence(data["code"], data.get("params"))
    return reason_text(event.reason, data)


def install(app_or_state) -> None:  # noqa: ANN001
    """Register the sentence and label helpers as Jinja globals."""
    app_or_state.jinja_env.globals.update(
        unassigned_label=lambda code, params=None: unassigned_sentence(code, params),
        event_reason=event_reason,
        reason_text=reason_text,
        tag_label=lambda tag: label(RATING_TAG_LABELS, tag),
        trigger_label=lambda code: label(TRIGGER_LABELS, code),
        job_label=lambda name: label(JOB_LABELS, name),
        outcome_label=lambda outcome: label(OUTCOME_LABELS, outcome),
        notification_kind_label=lambda kind: label(NOTIFICATION_KIND_LABELS, kind),
    )
