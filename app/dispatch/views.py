"""The team lead's inbox (accept in one tap, decline with a reason, swap a crew member) and the staff's
"run dispatch now" page with each run's figures."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.access import allowed
from app.core.errors import DomainError
from app.dispatch import proposals as proposals_service
from app.dispatch import queue as dispatch_queue
from app.dispatch import runs as runs_service
from app.volunteers.service import list_volunteers
from app.web.helpers import STATUS_LABELS, label
from app.web.pages import act_and_return, allows, me, refused

bp = Blueprint("dispatch_views", __name__)

DECLINE_REASONS = (
    _l("Not enough members free then"),
    _l("Too far for the team"),
    _l("The team lacks the skill"),
    _l("Weather or road conditions"),
)


class AnswerForm(FlaskForm):
    """Accept needs only the CSRF token."""


class DeclineForm(FlaskForm):
    """A decline needs a reason: a common one or the lead's own words."""

    preset = StringField(_l("Reason"), validators=[Optional(), Length(max=400)])
    reason = StringField(_l("In your own words"), validators=[Optional(), Length(max=400)])


class SwapForm(FlaskForm):
    """Replace one crew member with another team member."""

    out_volunteer_id = IntegerField(_l("Replace"), validators=[DataRequired()])
    in_volunteer_id = IntegerField(_l("With"), validators=[DataRequired()])


@bp.get("/inbox")
@allows("proposal.answer")
def inbox():
    """Proposals awaiting the lead's answer, with the engine's reasons, and the recently answered ones."""
    user = me()
    pending = proposals_service.list_proposals(user=user, status="pending")
    answered = [p for p in proposals_service.list_proposals(user=user, limit=200) if p.status != "pending"]
    answered.sort(key=lambda p: p.responded_at or p.created_at, reverse=True)
    members = {}
    for proposal in pending:
        if proposal.team_id not in members:
            members[proposal.team_id] = [
                v for v in list_volunteers(user=user, team_id=proposal.team_id, limit=500) if v.active
            ]
    return render_template(
        "dispatch/inbox.html",
        pending=pending,
        answered=answered[:10],
        members=members,
        reasons=[str(r) for r in DECLINE_REASONS],
        answer_form=AnswerForm(),
    )


def _answer(call, done: str):  # noqa: ANN001
    """Run one answer, commit once, and return to the inbox with the outcome."""
    return act_and_return(call, done, url_for("dispatch_views.inbox"))


@bp.post("/proposals/<int:proposal_id>/accept")
@allows("proposal.answer")
def accept(proposal_id: int):
    """Accept in one tap."""
    if not AnswerForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("dispatch_views.inbox"))
    return _answer(
        lambda: proposals_service.accept_proposal(user=me(), proposal_id=proposal_id),
        _("Accepted. The crew has been told."),
    )


@bp.post("/proposals/<int:proposal_id>/decline")
@allows("proposal.answer")
def decline(proposal_id: int):
    """Decline with a reason; the order goes back to the engine without this team."""
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("dispatch_views.inbox"))
    preset, typed = (form.preset.data or "").strip(), (form.reason.data or "").strip()
    # A chosen reason and the lead's own words are both kept: the words usually explain the choice.
    reason = f"{preset}: {typed}" if preset and typed else (preset or typed)
    if not reason:
        flash(_("Please say why the team declines."), "error")
        return redirect(url_for("dispatch_views.inbox"))
    return _answer(
        lambda: proposals_service.decline_proposal(user=me(), proposal_id=proposal_id, reason=reason),
        _("Declined. The engine will look for another team."),
    )


@bp.post("/proposals/<int:proposal_id>/swap")
@allows("proposal.answer")
def swap(proposal_id: int):
    """Swap a crew member."""
    form = SwapForm(formdata=_swap_formdata())
    if not form.validate_on_submit():
        flash(_("Please pick who to replace and who replaces them."), "error")
        return redirect(url_for("dispatch_views.inbox"))
    return _answer(
        lambda: proposals_service.swap_crew_member(
            user=me(),
            proposal_id=proposal_id,
            out_volunteer_id=form.out_volunteer_id.data,
            in_volunteer_id=form.in_volunteer_id.data,
        ),
        _("The crew has been changed."),
    )


def _swap_formdata():  # noqa: ANN202
    """The swap form's fields, also read from the inbox's single 'out:in' choice of who replaces whom."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict(request.form)
    out_id, sep, in_id = (request.form.get("pair") or "").partition(":")
    if sep and out_id.isdigit() and in_id.isdigit():
        data["out_volunteer_id"], data["in_volunteer_id"] = out_id, in_id
    return data


class RunForm(FlaskForm):
    """Run dispatch now (CSRF only)."""


@bp.route("/dispatch", methods=["GET", "POST"])
@allows("dispatch.runs.see")
def runs():
    """Past runs with their figures, and (county staff) a button to run dispatch now."""
    user = me()
    form = RunForm()
    if request.method == "POST":
        if not allowed(user, "dispatch.run"):
            from app.core.errors import Forbidden

            raise Forbidden("only county staff may run dispatch")
        if form.validate_on_submit():
            county = user.scope_station.county().code if user.scope_station is not None else None
            try:
                queued = dispatch_queue.queue_runs(county_code=county, trigger="manual", actor=user, time_limit=None)
            except DomainError as error:
                flash(refused(error), "error")
            else:
                dispatch_queue.send_to_workers(queued)
                flash(_("Dispatch has started; this page shows its progress and updates itself."), "success")
            return redirect(url_for("dispatch_views.runs"))
    return render_template("dispatch/runs.html", runs=runs_service.list_runs(user=user, limit=20), form=form)


@bp.get("/dispatch/runs/<int:run_id>/state")
@allows("dispatch.runs.see")
def run_state(run_id: int):
    """A run's state and the engine's progress, polled by the dispatch page while the run is under way."""
    run = runs_service.get_run(user=me(), run_id=run_id)
    progress = run.progress or {}
    return jsonify(
        id=run.id,
        status=run.status,
        label=label(STATUS_LABELS, run.status),
        finished=run.status in ("done", "failed"),
        seconds=progress.get("seconds"),
        served=progress.get("served"),
        bound=progress.get("bound"),
    )
