"""Open activities (活动招募): publishing, sign-up with waitlists, withdrawal with automatic promotion, cancelling.

Rules:
- Staff (station, county, admin) publish activities at stations in their scope: a title, a place, a start in the
  future before the end, and one slot per skill with its capacity. Everyone signed in sees the published
  activities of their own county; staff see those in their scope.
- A volunteer signs up for a slot whose skill they have, once per activity, until the activity starts. A slot
  with room confirms them; a full slot puts them on its waitlist, in sign-up order. Work already promised (a
  pending or accepted proposal) or another activity held at an overlapping time refuses the sign-up.
- Sign-ups of one activity take turns (its row is locked), and the slot's `filled` count moves by guarded UPDATEs
  behind a CHECK (filled <= capacity): a slot is never over capacity, whatever runs at once.
- A confirmed volunteer who withdraws frees the place for the first on that slot's waitlist who is still free at
  that time, promoted in the same transaction and told through the outbox.
- Staff cancel an activity that has not ended: every place is released and everyone holding one is told.
- Dispatch treats confirmed volunteers as booked for the activity's time (app.activities.booking).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.accounts.access import (
    allowed,
    authorize,
    in_scope,
    scope_station_ids,
    subtree_ids,
)
from app.accounts.models import User
from app.activities.models import HELD, Activity, ActivitySignup, ActivitySlot
from app.core.errors import InvalidTransition, NotFound, ValidationFailed
from app.core.statements import rows_changed
from app.core.timeutil import to_local, utcnow
from app.dispatch.models import LIVE, Proposal, ProposalMember
from app.extensions import db
from app.menu.models import Skill
from app.stations.models import Station
from app.volunteers.models import Volunteer

MAX_CAPACITY = 500


class SignupClosed(InvalidTransition):
    """The activity has started, ended or been cancelled."""

    code = "signup_closed"


class AlreadySignedUp(InvalidTransition):
    """The volunteer already holds a place (or a waitlist place) in this activity."""

    code = "already_signed_up"


class Busy(InvalidTransition):
    """The volunteer has promised work or another activity at an overlapping time."""

    code = "busy"


# ---------------------------------------------------------------------------------------------------------------
# Publishing and reading


def _visible_station_ids(user: User) -> set[int] | None:
    """Stations whose activities the user sees: staff their scope, everyone else their county; None = all."""
    if allowed(user, "activities.manage"):
        return scope_station_ids(user)
    if user.scope_station_id is None:
        return set()
    station = db.session.get(Station, user.scope_station_id)
    return subtree_ids(station.county().id) if station is not None else set()


def publish_activity(
    *,
    user: User,
    station_id: int,
    title: str,
    start_at: datetime,
    end_at: datetime,
    slots: list[dict],
    description: str = "",
    location: str = "",
) -> Activity:
    """Publish an activity at a station in the user's scope, with its slots by skill."""
    authorize(user, "activities.manage")
    station = db.session.get(Station, station_id)
    if station is None or not in_scope(user, "activities.manage", station_id):
        raise NotFound("station not found in your scope", field="station_id")
    if not title.strip():
        raise ValidationFailed("give the activity a title", field="title")
    if start_at <= utcnow():
        raise ValidationFailed("an activity is published before it starts", field="start_at")
    if end_at <= start_at:
        raise ValidationFailed("the end must be after the start", field="end_at")
    if not slots:
        raise ValidationFailed("an activity needs at least one slot", field="slots")
    activity = Activity(
        station_id=station_id,
        title=title.strip(),
        description=description.strip(),
        location=location.strip(),
        start_at=start_at,
        end_at=end_at,
        status="published",
        created_by_id=user.id,
    )
    seen: set[str] = set()
    for index, wanted in enumerate(slots):
        code = wanted["skill"]
        skill = db.session.scalar(db.select(Skill).where(Skill.code == code))
        if skill is None:
            raise ValidationFailed("unknown skill", field=f"slots.{index}.skill")
        if code in seen:
            raise ValidationFailed("one slot per skill", field=f"slots.{index}.skill")
        seen.add(code)
        capacity = int(wanted["capacity"])
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValidationFailed("a slot holds 1 to 500 people", field=f"slots.{index}.capacity")
        activity.slots.append(ActivitySlot(skill=skill, capacity=capacity, filled=0))
    db.session.add(activity)
    db.session.flush()
    return activity


def list_activities(
    *, user: User, station_id: int | None = None, upcoming: bool = True, limit: int = 100
) -> list[Activity]:
    """Activities the user may see, soonest first (upcoming: not yet ended, cancelled ones included)."""
    query = db.select(Activity).order_by(Activity.start_at, Activity.id)
    ids = _visible_station_ids(user)
    if ids is not None:
        query = query.where(Activity.station_id.in_(ids))
    if not allowed(user, "activities.manage"):
        query = query.where(Activity.status == "published")
    if station_id is not None:
        query = query.where(Activity.station_id == station_id)
    if upcoming:
        query = query.where(Activity.end_at > utcnow())
    return list(db.session.scalars(query.options(db.selectinload(Activity.slots)).limit(limit)))


def get_activity(*, user: User, activity_id: int, lock: bool = False) -> Activity:
    """One activity the user may see (locked for update when asked: sign-ups of one activity take turns)."""
    query = db.select(Activity).where(Activity.id == activity_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    activity = db.session.scalar(query)
    ids = _visible_station_ids(user)
    if activity is None or (ids is not None and activity.station_id not in ids):
        raise NotFound("activity not found", field="activity_id")
    if activity.status != "published" and not allowed(user, "activities.manage"):
        raise NotFound("activity not found", field="activity_id")
    return activity


def signups_of(*, user: User, activity_id: int) -> list[ActivitySignup]:
    """Everyone holding or having held a place in an activity (staff in scope), in sign-up order."""
    authorize(user, "activities.manage")
    activity = get_activity(user=user, activity_id=activity_id)
    return list(
        db.session.scalars(
            db.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id).order_by(ActivitySignup.id)
        )
    )


def waitlist_position(signup: ActivitySignup) -> int | None:
    """A waiting sign-up's place in its slot's queue (1 = next), else None."""
    if signup.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        db.select(db.func.count(ActivitySignup.id)).where(
            ActivitySignup.slot_id == signup.slot_id,
            ActivitySignup.status == "waitlisted",
            ActivitySignup.id < signup.id,
        )
    )
    return int(ahead or 0) + 1


# ---------------------------------------------------------------------------------------------------------------
# Signing up, withdrawing, cancelling


def _volunteer_for(user: User, volunteer_id: int | None) -> Volunteer:
    """The volunteer a sign-up is for: the user's own record, or (staff) one in their scope."""
    if volunteer_id is None or not allowed(user, "activities.manage"):
        volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))
        if volunteer is None or (volunteer_id is not None and volunteer.id != volunteer_id):
            raise NotFound("volunteer not found", field="volunteer_id")
        return volunteer
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not in_scope(user, "activities.manage", volunteer.station_id):
        raise NotFound("volunteer not found", field="volunteer_id")
    return volunteer


def _promised_work(volunteer_id: int, start: datetime, end: datetime) -> bool:
    """Whether a pending or accepted proposal gives the volunteer work overlapping [start, end)."""
    found = db.session.scalar(
        db.select(Proposal.id)
        .join(ProposalMember, ProposalMember.proposal_id == Proposal.id)
        .where(
            ProposalMember.volunteer_id == volunteer_id,
            Proposal.status.in_(LIVE),
            Proposal.start_at < end,
            Proposal.end_at > start,
        )
        .limit(1)
    )
    return found is not None


def _other_activity(volunteer_id: int, activity: Activity) -> bool:
    """Whether the volunteer holds a place in another live activity overlapping this one."""
    found = db.session.scalar(
        db.select(ActivitySignup.id)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(
            ActivitySignup.volunteer_id == volunteer_id,
            ActivitySignup.status.in_(HELD),
            Activity.id != activity.id,
            Activity.status == "published",
            Activity.start_at < activity.end_at,
            Activity.end_at > activity.start_at,
        )
        .limit(1)
    )
    return found is not None


def _take_place(slot: ActivitySlot) -> bool:
    """Take one place in the slot if one is free (guarded UPDATE; the CHECK stands behind it)."""
    taken = rows_changed(
        update(ActivitySlot)
        .where(ActivitySlot.id == slot.id, ActivitySlot.filled < ActivitySlot.capacity)
        .values(filled=ActivitySlot.filled + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(slot)
    return bool(taken)


def _free_place(slot: ActivitySlot) -> None:
    db.session.execute(
        update(ActivitySlot)
        .where(ActivitySlot.id == slot.id, ActivitySlot.filled > 0)
        .values(filled=ActivitySlot.filled - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(slot)


def sign_up(*, user: User, activity_id: int, skill: str, volunteer_id: int | None = None) -> ActivitySignup:
    """Sign a volunteer up for the activity's slot of a skill: confirmed if there is room, else waitlisted."""
    activity = get_activity(user=user, activity_id=activity_id, lock=True)
    volunteer = _volunteer_for(user, volunteer_id)
    now = utcnow()
    if activity.status != "published" or now >= activity.start_at:
        raise SignupClosed("sign-up for this activity is closed", field="activity_id")
    slot = next((s for s in activity.slots if s.skill.code == skill), None)
    if slot is None:
        raise ValidationFailed("this activity has no slot for that skill", field="skill")
    if skill not in {s.code for s in volunteer.skills}:
        raise ValidationFailed("the volunteer does not have this skill", field="skill")
    held = db.session.scalar(
        db.select(ActivitySignup.id).where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.volunteer_id == volunteer.id,
            ActivitySignup.status.in_(HELD),
        )
    )
    if held is not None:
        raise AlreadySignedUp("already signed up for this activity", field="activity_id")
    if _promised_work(volunteer.id, activity.start_at, activity.end_at):
        raise Busy("the volunteer has an order at that time", field="activity_id")
    if _other_activity(volunteer.id, activity):
        raise Busy("the volunteer has another activity at that time", field="activity_id")
    status = "confirmed" if _take_place(slot) else "waitlisted"
    signup = ActivitySignup(
        activity_id=activity.id, slot_id=slot.id, volunteer_id=volunteer.id, status=status, created_at=now
    )
    db.session.add(signup)
    db.session.flush()
    return signup


def _signup_for(user: User, signup_id: int) -> ActivitySignup:
    signup = db.session.get(ActivitySignup, signup_id)
    if signup is None:
        raise NotFound("sign-up not found", field="signup_id")
    volunteer = signup.volunteer
    own = volunteer.user_id == user.id
    if not own and not in_scope(user, "activities.manage", signup.activity.station_id):
        raise NotFound("sign-up not found", field="signup_id")
    return signup


def _notify(signup: ActivitySignup, *, kind: str, subject: str, body: str) -> None:
    from app.notifications import service as notify

    notify.enqueue(
        key=f"activity-{kind}:{signup.id}",
        kind=f"activity_{kind}",
        recipient=notify.recipient_for_volunteer(signup.volunteer),
        subject=subject,
        body=body,
        data={"activity_id": signup.activity_id, "signup_id": signup.id},
    )


def _when(activity: Activity) -> str:
    return f"{to_local(activity.start_at):%m月%d日 %H:%M}"


def _promote_next(slot: ActivitySlot, activity: Activity) -> ActivitySignup | None:
    """Give the freed place to the first waiting volunteer still free at that time, and tell them."""
    waiting = list(
        db.session.scalars(
            db.select(ActivitySignup)
            .where(ActivitySignup.slot_id == slot.id, ActivitySignup.status == "waitlisted")
            .order_by(ActivitySignup.id)
        )
    )
    for candidate in waiting:
        # Someone given an order at that time since joining the queue keeps their queue place but is passed over.
        if _promised_work(candidate.volunteer_id, activity.start_at, activity.end_at):
            continue
        if not _take_place(slot):
            return None
        candidate.status = "confirmed"
        candidate.promoted_at = utcnow()
        _notify(
            candidate,
            kind="promoted",
            subject="活动候补转正",
            body=f"您报名的活动“{activity.title}”（{_when(activity)}）有了空位，您已由候补转为正式参加。",
        )
        return candidate
    return None


def withdraw(*, user: User, signup_id: int) -> ActivitySignup:
    """Withdraw a sign-up before the activity starts; a freed place goes to the first on the slot's waitlist."""
    signup = _signup_for(user, signup_id)
    activity = get_activity(user=user, activity_id=signup.activity_id, lock=True)
    db.session.refresh(signup)
    if signup.status not in HELD:
        raise InvalidTransition("this sign-up has already ended", field="status")
    if activity.status != "published" or utcnow() >= activity.start_at:
        raise SignupClosed("sign-up for this activity is closed", field="activity_id")
    was_confirmed = signup.status == "confirmed"
    signup.status = "withdrawn"
    signup.ended_at = utcnow()
    db.session.flush()
    if was_confirmed:
        _free_place(signup.slot)
        _promote_next(signup.slot, activity)
    db.session.flush()
    return signup


def cancel_activity(*, user: User, activity_id: int, reason: str) -> Activity:
    """Staff cancel an activity that has not ended: every place is released and everyone holding one is told."""
    authorize(user, "activities.manage")
    activity = get_activity(user=user, activity_id=activity_id, lock=True)
    if activity.status != "published":
        raise InvalidTransition("this activity is already cancelled", field="status")
    if utcnow() >= activity.end_at:
        raise InvalidTransition("this activity has already ended", field="status")
    if not reason.strip():
        raise ValidationFailed("say why", field="reason")
    now = utcnow()
    activity.status = "cancelled"
    activity.cancelled_at = now
    activity.cancel_reason = reason.strip()[:400]
    holders = list(
        db.session.scalars(
            db.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id, ActivitySignup.status.in_(HELD))
        )
    )
    for signup in holders:
        signup.status = "cancelled"
        signup.ended_at = now
        _notify(
            signup,
            kind="cancelled",
            subject="活动已取消",
            body=f"您报名的活动“{activity.title}”（{_when(activity)}）已取消：{activity.cancel_reason}",
        )
    for slot in activity.slots:
        slot.filled = 0
    db.session.flush()
    return activity


def my_signups(*, user: User) -> list[ActivitySignup]:
    """The signed-in volunteer's sign-ups of activities not yet ended, soonest first."""
    volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == user.id))
    if volunteer is None:
        return []
    return list(
        db.session.scalars(
            db.select(ActivitySignup)
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .where(ActivitySignup.volunteer_id == volunteer.id, Activity.end_at > utcnow())
            .order_by(Activity.start_at, ActivitySignup.id)
        )
    )
