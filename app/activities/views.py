"""Activity pages: the list (sign up, withdraw), one activity with its slots, publishing and cancelling (staff)."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.access import allowed, in_scope
from app.activities import service
from app.activities.models import HELD
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.extensions import db
from app.menu.models import Skill
from app.stations.models import Station
from app.volunteers.models import Volunteer
from app.web.pages import act_and_return, allows, me, refused, signed_in
from app.web.service_messages import N_

bp = Blueprint("activities_views", __name__, template_folder="templates")

SIGNUP_LABELS = {
    "confirmed": N_("Signed up"),
    "waitlisted": N_("On the waitlist"),
    "withdrawn": N_("Withdrawn"),
    "cancelled": N_("Activity cancelled"),
}
# Refusals the activities service raises, listed so pybabel extracts them.
MESSAGES = (
    N_("give the activity a title"),
    N_("an activity is published before it starts"),
    N_("an activity needs at least one slot"),
    N_("one slot per skill"),
    N_("a slot holds 1 to 500 people"),
    N_("unknown skill"),
    N_("sign-up for this activity is closed"),
    N_("this activity has no slot for that skill"),
    N_("the volunteer does not have this skill"),
    N_("already signed up for this activity"),
    N_("the volunteer has an order at that time"),
    N_("the volunteer has another activity at that time"),
    N_("this sign-up has already ended"),
    N_("this activity is already cancelled"),
    N_("this activity has already ended"),
    N_("activity not found"),
    N_("sign-up not found"),
)
SLOT_ROWS = 3


def _my_volunteer() -> Volunteer | None:
    return db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == me().id))


def _labels() -> dict:
    return {"signup_labels": {k: _(v) for k, v in SIGNUP_LABELS.items()}}


def _scope_stations() -> list[Station]:
    stations = db.session.scalars(db.select(Station).where(Station.active.is_(True)).order_by(Station.code))
    return [s for s in stations if in_scope(me(), "activities.manage", s.id)]


@bp.get("/activities/")
@signed_in
def index():
    """Upcoming activities I may see; my sign-ups; for staff, a form to publish one."""
    user = me()
    volunteer = _my_volunteer()
    staff = allowed(user, "activities.manage")
    home = db.session.get(Station, user.scope_station_id) if user.scope_station_id else None
    return render_template(
        "activities/index.html",
        activities=service.list_activities(user=user),
        mine={s.activity_id: s for s in service.my_signups(user=user) if s.status in HELD},
        volunteer=volunteer,
        my_skills={s.code for s in volunteer.skills} if volunteer else set(),
        staff=staff,
        stations=_scope_stations() if staff else [],
        skills=list(db.session.scalars(db.select(Skill).order_by(Skill.code))) if staff else [],
        slot_rows=range(SLOT_ROWS),
        today=to_local(utcnow()).date(),
        home=home,
        county=home.county() if home else None,
        **_labels(),
    )


def _moment(day: str, clock: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=LOCAL_TZ)
    except ValueError:
        return None


@bp.post("/activities/new")
@allows("activities.manage")
def publish():
    """Publish an activity from the form."""
    form = request.form
    day = form.get("day", "")
    start, end = _moment(day, form.get("start_time", "")), _moment(day, form.get("end_time", ""))
    station_id = form.get("station_id", "")
    slots = []
    for index in range(SLOT_ROWS):
        skill, capacity = form.get(f"skill_{index}", ""), form.get(f"capacity_{index}", "").strip()
        if skill and capacity:
            if not capacity.isdigit():
                start = None
                break
            slots.append({"skill": skill, "capacity": int(capacity)})
    if start is None or end is None or not station_id.isdigit():
        flash(_("Please check what you entered"), "error")
        return redirect(url_for("activities_views.index"))
    try:
        activity = service.publish_activity(
            user=me(),
            station_id=int(station_id),
            title=form.get("title", "")[:120],
            description=form.get("description", "")[:4000],
            location=form.get("location", "")[:200],
            start_at=start,
            end_at=end,
            slots=slots,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        flash(refused(error), "error")
        return redirect(url_for("activities_views.index"))
    flash(_("Activity published"), "success")
    return redirect(url_for("activities_views.activity", activity_id=activity.id))


@bp.get("/activities/<int:activity_id>")
@signed_in
def activity(activity_id: int):
    """One activity: its slots and places, my sign-up, and (staff) who signed up."""
    user = me()
    found = service.get_activity(user=user, activity_id=activity_id)
    volunteer = _my_volunteer()
    held = [s for s in service.my_signups(user=user) if s.status in HELD]
    mine = next((s for s in held if s.activity_id == found.id), None)
    staff = allowed(user, "activities.manage")
    return render_template(
        "activities/activity.html",
        activity=found,
        mine=mine,
        position=service.waitlist_position(mine) if mine else None,
        volunteer=volunteer,
        my_skills={s.code for s in volunteer.skills} if volunteer else set(),
        signups=service.signups_of(user=user, activity_id=found.id) if staff else [],
        staff=staff,
        open_for_signup=found.status == "published" and utcnow() < found.start_at,
        **_labels(),
    )


@bp.post("/activities/<int:activity_id>/signup")
@signed_in
def sign_up(activity_id: int):
    """Sign myself up for the slot of a skill."""
    return act_and_return(
        lambda: service.sign_up(user=me(), activity_id=activity_id, skill=request.form.get("skill", "")[:40]),
        _("Saved"),
        url_for("activities_views.activity", activity_id=activity_id),
    )


@bp.post("/activities/signups/<int:signup_id>/withdraw")
@signed_in
def withdraw(signup_id: int):
    """Withdraw a sign-up (mine, or staff for a volunteer in scope)."""
    return act_and_return(
        lambda: service.withdraw(user=me(), signup_id=signup_id),
        _("You have withdrawn"),
        url_for("activities_views.index"),
    )


@bp.post("/activities/<int:activity_id>/cancel")
@allows("activities.manage")
def cancel(activity_id: int):
    """Cancel the activity (everyone signed up is told)."""
    return act_and_return(
        lambda: service.cancel_activity(
            user=me(), activity_id=activity_id, reason=request.form.get("reason", "")[:400]
        ),
        _("Activity cancelled"),
        url_for("activities_views.activity", activity_id=activity_id),
    )
