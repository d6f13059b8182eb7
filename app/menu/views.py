"""The kiosk menu, the three-step order (pick a service, pick times, confirm), and menu management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.accounts.access import allowed
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.menu import service as menu_service
from app.menu.models import MODES
from app.orders import service as order_service
from app.orders.service import status_key
from app.stations.service import list_stations
from app.web import kiosk
from app.web.helpers import MODE_LABELS, localized
from app.web.pages import act_and_return, allows, choices, me, refusal_shown_on, refused

bp = Blueprint("menu_views", __name__)

DAYS_AHEAD = 7


@dataclass(frozen=True)
class Period:
    """A part of the day a resident can pick (local time)."""

    code: str
    label: object
    start: time
    end: time

    @property
    def hours(self) -> str:
        """Such as 8:30–12:00."""
        return f"{self.start.hour}:{self.start.minute:02d}–{self.end.hour}:{self.end.minute:02d}"


PERIODS = (
    Period("am", _l("Morning"), time(8, 30), time(12, 0)),
    Period("pm", _l("Afternoon"), time(14, 0), time(18, 0)),
    Period("ev", _l("Evening"), time(19, 0), time(21, 30)),
)


def _period_bounds(day: date, period: Period) -> tuple[datetime, datetime]:
    return datetime.combine(day, period.start, tzinfo=LOCAL_TZ), datetime.combine(day, period.end, tzinfo=LOCAL_TZ)


def _window_grid(duration: int) -> list[dict]:
    """The next days with their periods, each marked whether it can still hold the service."""
    now = utcnow()
    today = to_local(now).date()
    grid = []
    for offset in range(DAYS_AHEAD):
        day = today + timedelta(days=offset)
        options = []
        for period in PERIODS:
            start, end = _period_bounds(day, period)
            usable = end - max(start, now) >= timedelta(minutes=duration)
            options.append(
                {
                    "value": f"{day.isoformat()}|{period.code}",
                    "label": period.label,
                    "hours": period.hours,
                    "usable": usable,
                }
            )
        grid.append({"day": day, "options": options})
    return grid


def _parse_windows(values: list[str]) -> list[dict]:
    """Turn 'YYYY-MM-DD|am' choices into aware windows."""
    by_code = {p.code: p for p in PERIODS}
    windows = []
    for value in values:
        day_s, _sep, code = value.partition("|")
        try:
            day = date.fromisoformat(day_s)
        except ValueError:
            continue
        if code in by_code:
            start, end = _period_bounds(day, by_code[code])
            windows.append({"start": start, "end": end})
    return windows


def orderer():
    """Who places the order: the kiosk's operator in kiosk mode, else the signed-in user."""
    return kiosk.operator() if kiosk.active() else me()


def kiosk_station():
    """The kiosk's station, or None outside kiosk mode."""
    return kiosk.station()


def ordering(view):  # noqa: ANN001, ANN201
    """Ordering pages: open to a kiosk session, else to the ordering roles."""
    guarded = allows("order.place")(view)

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if kiosk.active() and kiosk.operator() is not None:
            return view(*args, **kwargs)
        return guarded(*args, **kwargs)

    return wrapper


@bp.before_app_request
def _kiosk_lock_down():
    return kiosk.lock_down()


def _ordering_station(station_id: int | None):
    """The station the order is for: the kiosk's, the resident's own, or the one staff picked within their scope."""
    fixed = kiosk_station()
    if fixed is not None:
        return fixed, []
    user = me()
    stations = [s for s in list_stations(user=user) if s.active]
    if allowed(user, "order.place.self"):
        return user.scope_station, []
    chosen = next((s for s in stations if s.id == station_id), None)
    if chosen is None:
        chosen = next((s for s in stations if s.id == user.scope_station_id), stations[0] if stations else None)
    return chosen, stations


@bp.get("/menu", endpoint="kiosk")
@ordering
def kiosk_menu():
    """Step 1: the menu grouped by the five practice priorities."""
    user = orderer()
    station, stations = _ordering_station(request.args.get("station_id", type=int))
    items = menu_service.list_menu(station_id=station.id) if station is not None else []
    if allowed(user, "order.place.self"):
        items = [item for item in items if item.orderable_by == "resident"]
    groups = [(p, [i for i in items if i.priority_id == p.id]) for p in menu_service.list_priorities()]
    return render_template(
        "menu/kiosk.html",
        groups=groups,
        station=station,
        stations=stations,
        kiosk_form=KioskStartForm(station_id=station.id if station else None),
        in_kiosk=kiosk.active(),
    )


class KioskStartForm(FlaskForm):
    """Turn this tablet into a kiosk for a station."""

    station_id = HiddenField()


class KioskExitForm(FlaskForm):
    """Leaving kiosk mode needs the operator's password."""

    password = PasswordField(_l("Staff password"), validators=[DataRequired(_l("Please enter your password."))])


@bp.post("/kiosk/start")
@allows("kiosk.run")
def kiosk_start():
    """Station staff turn this browser into a kiosk for a station in their scope; their sign-in ends here."""
    form = KioskStartForm()
    user = me()
    station = next(
        (s for s in list_stations(user=user) if s.active and str(s.id) == (form.station_id.data or "")), None
    )
    if not form.validate_on_submit() or station is None:
        abort(404)
    logout_user()
    kiosk.start(operator=user, station=station)
    return redirect(url_for("menu_views.kiosk"))


@bp.route("/kiosk/exit", methods=["GET", "POST"])
def kiosk_exit():
    """Leave kiosk mode: the staff member who started it signs back in with their password."""
    if not kiosk.active():
        return redirect(url_for("web.home"))
    form = KioskExitForm()
    if form.validate_on_submit():
        operator = kiosk.operator()
        if operator is not None and operator.check_password(form.password.data):
            kiosk.stop()
            login_user(operator)
            flash(_("Kiosk mode has ended."), "success")
            return redirect(url_for("menu_views.kiosk"))
        form.password.errors = [_("Wrong password.")]
    return render_template("menu/kiosk_exit.html", form=form), (401 if form.errors else 200)


@bp.get("/kiosk/slip/<int:order_id>/<key>")
@ordering
def kiosk_slip(order_id: int, key: str):
    """After a kiosk order: the order number and the link for following it, then back to the menu."""
    placed = order_service.order_by_status_key(order_id=order_id, key=key)
    return render_template("menu/kiosk_slip.html", order=placed, key=key)


class OrderForm(FlaskForm):
    """Step 2: times, who it is for (staff), notes."""

    station_id = HiddenField()
    resident_name = StringField(_l("Resident's name"), validators=[Optional(), Length(max=80)])
    resident_phone = StringField(
        _l("Resident's phone"),
        validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Please enter a phone number."))],
    )
    notes = TextAreaField(_l("Anything the volunteers should know"), validators=[Optional(), Length(max=500)])


class ConfirmForm(FlaskForm):
    """Step 3: place the order kept in the draft (CSRF, and consent to a duplicate when warned)."""

    duplicate_ok = HiddenField()


_DRAFT = "order_draft"


def _draft_for(item_id: int) -> dict | None:
    """The order being put together in this session, if it is for this menu item."""
    draft = session.get(_DRAFT)
    return draft if draft and draft.get("item_id") == item_id else None


@bp.route("/menu/<int:item_id>/order", methods=["GET", "POST"])
@ordering
def order(item_id: int):
    """Step 2: pick times (and, for a walk-in, who it is for); a valid form goes on to the confirmation page."""
    user = orderer()
    item = menu_service.get_menu_item(item_id)
    station, _stations = _ordering_station(request.values.get("station_id", type=int))
    if station is None or not menu_service.item_orderable_at(item, station):
        abort(404)
    draft = _draft_for(item.id) if request.method == "GET" else None
    form = OrderForm(station_id=station.id, data=_draft_fields(draft) if draft else None)
    for_walk_in = not allowed(user, "order.place.self")
    picked = request.form.getlist("windows") if request.method == "POST" else (draft or {}).get("windows", [])
    window_error = None
    if form.validate_on_submit():
        if for_walk_in and not (form.resident_name.data or "").strip():
            form.resident_name.errors = [_("Please enter the resident's name.")]
        if not _parse_windows(picked):
            window_error = _("Please pick at least one time.")
        if not form.errors and window_error is None:
            session[_DRAFT] = {
                "item_id": item.id,
                "station_id": station.id,
                "windows": picked,
                "resident_name": (form.resident_name.data or "").strip() if for_walk_in else "",
                "resident_phone": (form.resident_phone.data or "").strip() if for_walk_in else "",
                "notes": form.notes.data or "",
            }
            return redirect(url_for("menu_views.confirm", item_id=item.id))
    grid = _window_grid(item.duration_minutes)
    return render_template(
        "menu/order.html",
        item=item,
        station=station,
        form=form,
        grid=grid,
        picked=set(picked),
        window_error=window_error,
        for_walk_in=for_walk_in,
    ), (422 if form.errors or window_error else 200)


def _draft_fields(draft: dict) -> dict:
    return {k: draft.get(k, "") for k in ("resident_name", "resident_phone", "notes")}


@bp.route("/menu/<int:item_id>/confirm", methods=["GET", "POST"])
@ordering
def confirm(item_id: int):
    """Step 3: check the order (warned of a like one still open) and place it; then on to its page."""
    user = orderer()
    item = menu_service.get_menu_item(item_id)
    draft = _draft_for(item.id)
    if draft is None:
        # Back after placing, or a stale tab: nothing to confirm, so start this service again.
        return redirect(url_for("menu_views.order", item_id=item.id))
    station, _stations = _ordering_station(draft["station_id"])
    if station is None or station.id != draft["station_id"] or not menu_service.item_orderable_at(item, station):
        session.pop(_DRAFT, None)
        abort(404)
    windows = _parse_windows(draft["windows"])
    walk_in = (
        None
        if allowed(user, "order.place.self")
        else {"name": draft["resident_name"], "phone": draft["resident_phone"] or None}
    )
    duplicates = order_service.open_duplicates(user=user, menu_item_id=item.id, station_id=station.id, resident=walk_in)
    form = ConfirmForm()
    error_message = None
    if form.validate_on_submit() and (not duplicates or form.duplicate_ok.data == "yes"):
        try:
            placed = order_service.place_order(
                user=user,
                menu_item_id=item.id,
                station_id=station.id,
                windows=windows,
                resident=walk_in,
                notes=draft["notes"],
            )
        except DomainError as error:
            error_message = refused(error)
        else:
            session.pop(_DRAFT, None)
            flash(_("Your order has been placed. Order number %(code)s.", code=placed.code), "success")
            if kiosk_station() is not None:
                return redirect(url_for("menu_views.kiosk_slip", order_id=placed.id, key=status_key(placed)))
            return redirect(url_for("orders_views.detail", order_id=placed.id))
    return render_template(
        "menu/confirm.html",
        item=item,
        station=station,
        draft=draft,
        windows=windows,
        duplicates=duplicates,
        form=form,
        error_message=error_message,
    ), (422 if error_message else 200)


class MenuItemForm(FlaskForm):
    """Edit a menu item; code, priority and the first need only when creating."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    priority = SelectField(_l("Practice priority"), validators=[Optional()])
    title = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=160)])
    description = TextAreaField(_l("Description (Chinese)"), validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=2000)])
    mode = SelectField(_l("Mode"), choices=choices((m, MODE_LABELS[m]) for m in MODES))
    duration_minutes = IntegerField(_l("Minutes"), validators=[DataRequired(), NumberRange(min=15, max=600)])
    default_priority = IntegerField(_l("Urgency (1–5)"), validators=[DataRequired(), NumberRange(min=1, max=5)])
    orderable_by = SelectField(
        _l("Who may order"),
        choices=choices([("resident", _l("Residents themselves")), ("staff", _l("Station staff for residents"))]),
    )
    need_skill = SelectField(_l("Skill needed"), validators=[Optional()])
    need_count = IntegerField(_l("Volunteers needed"), default=1, validators=[Optional(), NumberRange(min=1, max=20)])
    active = BooleanField(_l("On the menu"), default=True)


@bp.get("/manage/menu")
@allows("menu.edit")
def manage():
    """The menu items the caller manages (their county's) and the shared templates, active or not."""
    items = menu_service.list_menu(include_inactive=True, manager=me())
    return render_template("menu/manage.html", items=items, priorities=menu_service.list_priorities())


def _fill_choices(form: MenuItemForm) -> None:
    form.priority.choices = choices((p.code, localized(p)) for p in menu_service.list_priorities())
    form.need_skill.choices = choices((s.code, localized(s)) for s in menu_service.list_skills())


@bp.route("/manage/menu/new", methods=["GET", "POST"])
@allows("menu.edit")
def create():
    """Add a menu item."""
    form = MenuItemForm()
    _fill_choices(form)
    if form.validate_on_submit():
        if not form.code.data:
            form.code.errors = [_("Please enter a code.")]
        else:
            with refusal_shown_on(form, {"needs": "need_skill"}):
                item = menu_service.create_menu_item(
                    user=me(),
                    priority=form.priority.data,
                    needs=[{"skill": form.need_skill.data, "count": form.need_count.data or 1}],
                    code=form.code.data.strip(),
                    **_item_fields(form),
                )
                flash(_("Saved."), "success")
                return redirect(url_for("menu_views.edit", item_id=item.id))
    return render_template("menu/edit.html", form=form, item=None)


@bp.route("/manage/menu/<int:item_id>", methods=["GET", "POST"])
@allows("menu.edit")
def edit(item_id: int):
    """Edit or take off (activate / deactivate) a menu item."""
    item = menu_service.get_menu_item(item_id)
    menu_service.ensure_may_change_item(me(), item)
    form = MenuItemForm(obj=item)
    _fill_choices(form)
    if form.validate_on_submit():
        with refusal_shown_on(form):
            menu_service.update_menu_item(
                user=me(),
                item_id=item.id,
                **_item_fields(form),
            )
            flash(_("Saved."), "success")
            return redirect(url_for("menu_views.manage"))
    return render_template("menu/edit.html", form=form, item=item)


def _item_fields(form: MenuItemForm) -> dict:
    """The editable fields of a menu item, read from its form."""
    return {
        "title": form.title.data.strip(),
        "title_en": (form.title_en.data or "").strip(),
        "description": form.description.data or "",
        "description_en": form.description_en.data or "",
        "mode": form.mode.data,
        "duration_minutes": form.duration_minutes.data,
        "default_priority": form.default_priority.data,
        "orderable_by": form.orderable_by.data,
        "active": form.active.data,
    }


@bp.post("/manage/menu/<int:item_id>/adopt")
@allows("menu.edit")
def adopt(item_id: int):
    """Take the county's own copy of a shared template."""
    return act_and_return(
        lambda: menu_service.adopt_menu_item(user=me(), item_id=item_id),
        _("Adopted: your county now has its own copy."),
        url_for("menu_views.manage"),
    )
