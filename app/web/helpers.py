"""Template helpers for every page: navigation by role, localised labels, language switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import current_user
from werkzeug.routing import BuildError

from app.accounts.access import allowed
from app.core.masking import mask_name, mask_phone
from app.core.timeutil import to_local

ROLE_LABELS = {
    "resident": lazy_gettext("Resident"),
    "station_staff": lazy_gettext("Station staff"),
    "volunteer": lazy_gettext("Volunteer"),
    "team_lead": lazy_gettext("Team lead"),
    "county_staff": lazy_gettext("County staff"),
    "admin": lazy_gettext("Administrator"),
}
STATUS_LABELS = {
    "submitted": lazy_gettext("Submitted"),
    "dispatched": lazy_gettext("Dispatched"),
    "accepted": lazy_gettext("Accepted"),
    "in_service": lazy_gettext("In service"),
    "completed": lazy_gettext("Completed"),
    "rated": lazy_gettext("Rated"),
    "cancelled": lazy_gettext("Cancelled"),
    "expired": lazy_gettext("Expired"),
    "pending": lazy_gettext("Awaiting answer"),
    "declined": lazy_gettext("Declined"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "queued": lazy_gettext("Queued"),
    "running": lazy_gettext("Running"),
    "done": lazy_gettext("Done"),
    "failed": lazy_gettext("Failed"),
}
EVENT_LABELS = {
    "submitted": lazy_gettext("Order placed"),
    "dispatched": lazy_gettext("A team was proposed"),
    "proposed": lazy_gettext("A team was proposed"),
    "accepted": lazy_gettext("The team accepted"),
    "declined": lazy_gettext("The team declined"),
    "in_service": lazy_gettext("Volunteers arrived"),
    "check_in": lazy_gettext("A volunteer checked in"),
    "check_out": lazy_gettext("A volunteer checked out"),
    "completed": lazy_gettext("Service completed"),
    "rated": lazy_gettext("Rated by the resident"),
    "cancelled": lazy_gettext("Cancelled"),
    "expired": lazy_gettext("Expired"),
    "escalated": lazy_gettext("Passed up to a higher tier"),
    "unassigned": lazy_gettext("Not yet placed"),
    "not_placed": lazy_gettext("The engine could not place it yet"),
    "lapsed": lazy_gettext("The team did not answer in time"),
    "withdrawn": lazy_gettext("Proposal withdrawn"),
    "crew_changed": lazy_gettext("Crew changed"),
    "proposal_declined": lazy_gettext("The team declined; looking for another team"),
    "proposal_expired": lazy_gettext("The team did not answer in time; looking for another team"),
    "hours_confirmed": lazy_gettext("The lead confirmed a volunteer's hours"),
    "correction_requested": lazy_gettext("A volunteer asked to correct their times"),
    "correction_approved": lazy_gettext("A time correction was approved"),
    "correction_rejected": lazy_gettext("A time correction was rejected"),
}
PRESENCE_LABELS = {
    "station_code": lazy_gettext("checked in with the station code"),
    "lead": lazy_gettext("presence confirmed by the lead"),
    "staff": lazy_gettext("presence confirmed by station staff"),
}
COST_TERM_LABELS = {
    "fixed": lazy_gettext("Serving the order"),
    "travel_km": lazy_gettext("Travel (km, both ways)"),
    "tier": lazy_gettext("Team from a higher tier"),
    "repeat_team": lazy_gettext("Not the station's usual team"),
    "fairness": lazy_gettext("Spreading work fairly"),
}
MODE_LABELS = {
    "lecture": lazy_gettext("Lecture"),
    "help": lazy_gettext("Help"),
    "model": lazy_gettext("Role models"),
    "culture": lazy_gettext("Culture and fun"),
    "action": lazy_gettext("Action"),
}
# The five modes' one-character badges (讲帮树乐行), and their English initials for English pages.
MODE_BADGES = {"lecture": "讲", "help": "帮", "model": "树", "culture": "乐", "action": "行"}
MODE_BADGES_EN = {"lecture": "L", "help": "H", "model": "M", "culture": "C", "action": "A"}
LEVEL_LABELS = {
    "county": lazy_gettext("County centre"),
    "township": lazy_gettext("Township institute"),
    "village": lazy_gettext("Village station"),
}
WEEKDAYS = (
    lazy_gettext("Mon"),
    lazy_gettext("Tue"),
    lazy_gettext("Wed"),
    lazy_gettext("Thu"),
    lazy_gettext("Fri"),
    lazy_gettext("Sat"),
    lazy_gettext("Sun"),
)
ERROR_TITLES = {
    400: lazy_gettext("The request could not be understood"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("You may not do this"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Not allowed here"),
    409: lazy_gettext("This cannot be done now"),
    422: lazy_gettext("Please check what you entered"),
    500: lazy_gettext("Something went wrong"),
}


@dataclass
class NavItem:
    """One link in the role's navigation bar."""

    label: str
    url: str
    current: bool


# (label, endpoint, the policy action that shows it (None: everyone), endpoints that mark it current)
_NAV = [
    (lazy_gettext("Order a service"), "menu_views.kiosk", "order.place.front", ("menu_views.",)),
    (lazy_gettext("Inbox"), "dispatch_views.inbox", "proposal.answer", ("dispatch_views.inbox",)),
    (lazy_gettext("My service"), "volunteers_views.me", "volunteers.me", ("volunteers_views.me",)),
    (
        lazy_gettext("Availability"),
        "volunteers_views.my_availability",
        "volunteers.me",
        ("volunteers_views.my_availability",),
    ),
    (lazy_gettext("Roster"), "rosters_views.mine", "volunteers.me", ("rosters_views.",)),
    (lazy_gettext("My team"), "volunteers_views.my_team", "teams.mine", ("volunteers_views.my_team",)),
    (
        lazy_gettext("Dashboard"),
        "coverage_views.dashboard",
        "coverage.see",
        ("coverage_views.",),
    ),
    (lazy_gettext("Orders"), "orders_views.list_orders", None, ("orders_views.",)),
    (lazy_gettext("Dispatch"), "dispatch_views.runs", "dispatch.run", ("dispatch_views.runs",)),
    (lazy_gettext("Menu"), "menu_views.manage", "menu.edit", ("menu_views.manage", "menu_views.edit")),
    (
        lazy_gettext("Teams"),
        "volunteers_views.teams",
        "volunteers.list.station",
        ("volunteers_views.team", "volunteers_views.teams", "volunteers_views.new_team", "volunteers_views.edit_team"),
    ),
    (
        lazy_gettext("Volunteers"),
        "volunteers_views.volunteers",
        "volunteers.list.station",
        ("volunteers_views.volunteer", "volunteers_views.import_"),
    ),
    (lazy_gettext("My points"), "incentives_views.mine", "incentives.mine", ("incentives_views.mine",)),
    (
        lazy_gettext("Points shop"),
        "incentives_views.shop",
        "incentives.shop.manage",
        ("incentives_views.shop",),
    ),
    (
        lazy_gettext("Rankings"),
        "incentives_views.rankings",
        "incentives.rankings.see",
        ("incentives_views.rankings",),
    ),
    (lazy_gettext("Points rules"), "incentives_views.rules", "incentives.rule.edit", ("incentives_views.rules",)),
    (
        lazy_gettext("Deliberation"),
        "deliberation_views.index",
        "deliberation.manage",
        ("deliberation_views.",),
    ),
    (
        lazy_gettext("Household visits"),
        "visits_views.index",
        "visits.manage",
        (
            "visits_views.index",
            "visits_views.campaign",
            "visits_views.sheets",
            "visits_views.households",
            "visits_views.import_households",
            "visits_views.import_preview",
        ),
    ),  # fmt: skip
    (lazy_gettext("My visits"), "visits_views.mine", "visits.mine", ("visits_views.mine",)),
    (
        lazy_gettext("Activities"),
        "activities_views.index",
        "activities.browse",
        ("activities_views.",),
    ),
    (lazy_gettext("Scheduler"), "scheduling_views.status", "scheduler.watch", ("scheduling_views.",)),
    (lazy_gettext("Audit log"), "audit_views.audit_log", "audit.see", ("audit_views.",)),
    (
        lazy_gettext("Accounts"),
        "accounts_views.users",
        "users.list",
        ("accounts_views.user", "accounts_views.new_user"),
    ),
    (lazy_gettext("Check-in code"), "stations_views.my_code", "stations.code.page", ("stations_views.",)),
]


_NEEDS_VOLUNTEER_RECORD = {
    "volunteers_views.me",
    "volunteers_views.my_availability",
    "incentives_views.mine",
    "visits_views.mine",
}


def nav_items() -> list[NavItem]:
    """The navigation links for the signed-in user's role."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    endpoint = request.endpoint or ""
    items: list[NavItem] = []
    has_volunteer_record: bool | None = None
    for label, target, action, marks in _NAV:
        if action is not None and not allowed(current_user, action):
            continue
        if target in _NEEDS_VOLUNTEER_RECORD:
            # A team lead who is not also a registered volunteer has no service or availability of their own.
            if has_volunteer_record is None:
                from app.volunteers.service import volunteer_of

                has_volunteer_record = volunteer_of(current_user) is not None
            if not has_volunteer_record:
                continue
        url = url_if(target)
        if url is None:
            continue
        current = any(endpoint.startswith(m) for m in marks)
        if current and target == "menu_views.kiosk" and endpoint.startswith("menu_views.manage"):
            current = False
        items.append(NavItem(str(label), url, current))
    return items


def url_if(endpoint: str, **values: Any) -> str | None:
    """url_for, or None when the endpoint does not exist (pages owned by others may not be there yet)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def is_english() -> bool:
    """Whether the page is shown in English."""
    return str(get_locale()) == "en"


def switch_language_url() -> str:
    """This page's URL in the other language."""
    args: dict[str, Any] = request.args.to_dict()
    args["lang"] = current_app.config["BABEL_DEFAULT_LOCALE"] if is_english() else "en"
    view_args = dict(request.view_args or {})
    if request.endpoint is None or request.method != "GET":
        return url_for("web.home", lang=args["lang"])
    return url_for(request.endpoint, **view_args, **args)


def localized(obj: object, field: str = "name") -> str:
    """The English or Chinese name of a reference row (name_zh/name_en, or title/title_en)."""
    if obj is None:
        return ""
    if field in ("title", "description"):
        english, chinese = getattr(obj, f"{field}_en", ""), getattr(obj, field, "")
    else:
        english, chinese = getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_zh", "")
    return (english or chinese) if is_english() else (chinese or english)


def minutes_label(minutes: float | None) -> str:
    """A duration such as '2 h 5 min' (or '2小时5分'), or a dash when unknown."""
    if minutes is None:
        return "—"
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if hours >= 48:
        return gettext("%(d)s d %(h)s h", d=hours // 24, h=hours % 24)
    if hours:
        return gettext("%(h)s h %(m)s min", h=hours, m=rest)
    return gettext("%(m)s min", m=rest)


def percent(value: float | None) -> str:
    """A fraction as a whole percentage, or a dash."""
    return "—" if value is None else f"{round(value * 100)}%"


def label(mapping: dict, key: str | None) -> str:
    """A translated label for a code, or the code itself."""
    if key is None:
        return ""
    value = mapping.get(key)
    return str(value) if value is not None else key


def order_next_run(order) -> object:  # noqa: ANN001
    """When the next dispatch run should have looked at an order: one scheduler period after it was placed or now."""
    from datetime import timedelta

    from app.core.timeutil import utcnow

    period = timedelta(minutes=current_app.config["SCHEDULE_DISPATCH_MINUTES"])
    return max(order.created_at, utcnow()) + period


def kiosk_station():  # noqa: ANN201
    """The kiosk's station in kiosk mode, else None (for the page frame)."""
    from app.web import kiosk

    return kiosk.station()


def can(action: str) -> bool:
    """Whether the signed-in user's role may take a policy action (what a page offers; the services still check)."""
    return bool(getattr(current_user, "is_authenticated", False)) and allowed(current_user, action)


def install(app_or_state) -> None:  # noqa: ANN001
    """Register the helpers as Jinja globals."""
    env = app_or_state.jinja_env
    env.globals.update(
        nav_items=nav_items,
        can=can,
        url_if=url_if,
        minutes_label=minutes_label,
        percent=percent,
        is_english=is_english,
        switch_language_url=switch_language_url,
        localized=localized,
        role_label=lambda role: label(ROLE_LABELS, role),
        status_label=lambda status: label(STATUS_LABELS, status),
        event_label=lambda kind: label(EVENT_LABELS, kind),
        presence_label=lambda presence: label(PRESENCE_LABELS, presence),
        cost_term_label=lambda name: label(COST_TERM_LABELS, name),
        mask_phone=mask_phone,
        mask_name=mask_name,
        kiosk_station=kiosk_station,
        order_next_run=order_next_run,
        kiosk_idle_seconds=lambda: current_app.config["KIOSK_IDLE_SECONDS"],
        mode_label=lambda mode: label(MODE_LABELS, mode),
        mode_badge=lambda mode: (MODE_BADGES_EN if is_english() else MODE_BADGES).get(mode, ""),
        level_label=lambda level: label(LEVEL_LABELS, level),
        weekday_label=lambda index: str(WEEKDAYS[index]),
        weekday_of=lambda moment: str(WEEKDAYS[to_local(moment).weekday()]),
        error_title=lambda status: str(ERROR_TITLES.get(status, gettext("Something went wrong"))),
    )
