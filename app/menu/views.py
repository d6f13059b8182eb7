"""The kiosk menu, the three-step order (pick a service, pick times, confirm), and menu management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.menu import service as menu_service
from app.menu.models import MODES
from app.orders import service as order_service
from app.stations.service import list_stations
from app.web.helpers import MODE_LABELS, localized
from app.web.pages import act_and_return, choices, me, refused, roles, show_error

bp = Blueprint("menu_views", __name__)

ORDERING_ROLES = ("resident", "station_staff", "county_staff", "admin")
MANAGER_ROLES = ("county_staff", "admin")
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


def _ordering_station(station_id: int | None):
    """The station the order is for: the resident's own, or the one staff picked within their scope."""
    user = me()
    stations = [s for s in list_stations(user=user) if s.active]
    if user.role == "resident":
        return user.scope_station, []
    chosen = next((s for s in stations if s.id == station_id), None)
    if chosen is None:
        chosen = next((s for s in stations if s.id == user.scope_station_id), stations[0] if stations else None)
    return chosen, stations


@bp.get("/menu")
@roles(*ORDERING_ROLES)
def kiosk():
    """Step 1: the menu grouped by the five practice priorities."""
    user = me()
    station, stations = _ordering_station(request.args.get("station_id", type=int))
    items = menu_service.list_menu(station_id=station.id) if station is not None else []
    if user.role == "resident":
        items = [item for item in items if item.orderable_by == "resident"]
    groups = [(p, [i for i in items if i.priority_id == p.id]) for p in menu_service.list_priorities()]
    return render_template("menu/kiosk.html", groups=groups, station=station, stations=stations)


class OrderForm(FlaskForm):
    """Step 2 and 3: times, who it is for (staff), notes; `confirm` is set on the last step."""

    station_id = HiddenField()
    resident_name = StringField(_l("Resident's name"), validators=[Optional(), Length(max=80)])
    resident_phone = StringField(
        _l("Resident's phone"),
        validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Please enter a phone number."))],
    )
    notes = TextAreaField(_l("Anything the volunteers should know"), validators=[Optional(), Length(max=500)])
    confirm = HiddenField()


@bp.route("/menu/<int:item_id>/order", methods=["GET", "POST"])
@roles(*ORDERING_ROLES)
def order(item_id: int):
    """Steps 2 (pick times) and 3 (confirm); placing the order goes through the orders service."""
    user = me()
    item = menu_service.get_menu_item(item_id)
    station, _stations = _ordering_station(request.values.get("station_id", type=int))
    if station is None or not menu_service.item_orderable_at(item, station):
        abort(404)
    form = OrderForm(station_id=station.id)
    for_walk_in = user.role != "resident"
    picked = request.form.getlist("windows") if request.method == "POST" else []
    window_error = None
    if form.validate_on_submit():
        if for_walk_in and not (form.resident_name.data or "").strip():
            form.resident_name.errors = [_("Please enter the resident's name.")]
        windows = _parse_windows(picked)
        if not windows:
            window_error = _("Please pick at least one time.")
        if not form.errors and window_error is None:
            if form.confirm.data == "yes":
                try:
                    placed = order_service.place_order(
                        user=user,
                        menu_item_id=item.id,
                        station_id=station.id,
                        windows=windows,
                        resident={"name": form.resident_name.data.strip(), "phone": form.resident_phone.data or None}
                        if for_walk_in
                        else None,
                        notes=form.notes.data or "",
                    )
                except DomainError as error:
                    if (error.field or "").startswith("windows"):
                        window_error = refused(error)
                    else:
                        show_error(form, error, {"resident": "resident_name"})
                else:
                    flash(_("Your order has been placed. Order number %(code)s.", code=placed.code), "success")
                    return redirect(url_for("orders_views.detail", order_id=placed.id))
            else:
                return render_template(
                    "menu/confirm.html", item=item, station=station, form=form, picked=picked, windows=windows
                )
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
    )


class MenuItemForm(FlaskForm):
    """Edit a menu item; code, priority and the first need only when creating."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    priority = SelectField(_l("Practice priority"), validators=[Optional()])
    title = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
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
@roles(*MANAGER_ROLES)
def manage():
    """The menu items the caller manages (their county's) and the shared templates, active or not."""
    items = menu_service.list_menu(include_inactive=True, manager=me())
    return render_template("menu/manage.html", items=items, priorities=menu_service.list_priorities())


def _fill_choices(form: MenuItemForm) -> None:
    form.priority.choices = choices((p.code, localized(p)) for p in menu_service.list_priorities())
    form.need_skill.choices = choices((s.code, localized(s)) for s in menu_service.list_skills())


@bp.route("/manage/menu/new", methods=["GET", "POST"])
@roles(*MANAGER_ROLES)
def create():
    """Add a menu item."""
    form = MenuItemForm()
    _fill_choices(form)
    if form.validate_on_submit():
        if not form.code.data:
            form.code.errors = [_("Please enter a code.")]
        else:
            try:
                item = menu_service.create_menu_item(
                    user=me(),
                    priority=form.priority.data,
                    needs=[{"skill": form.need_skill.data, "count": form.need_count.data or 1}],
                    code=form.code.data.strip(),
                    **_item_fields(form),
                )
            except DomainError as error:
                show_error(form, error, {"needs": "need_skill"})
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("menu_views.edit", item_id=item.id))
    return render_template("menu/edit.html", form=form, item=None)


@bp.route("/manage/menu/<int:item_id>", methods=["GET", "POST"])
@roles(*MANAGER_ROLES)
def edit(item_id: int):
    """Edit or take off (activate / deactivate) a menu item."""
    item = menu_service.get_menu_item(item_id)
    menu_service.ensure_may_change_item(me(), item)
    form = MenuItemForm(obj=item)
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            menu_service.update_menu_item(
                user=me(),
                item_id=item.id,
                **_item_fields(form),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("menu_views.manage"))
    return render_template("menu/edit.html", form=form, item=item)


def _item_fields(form: MenuItemForm) -> dict:
    """The editable fields of a menu item, read from its form."""
    return {
        "title": form.title.data.strip(),
        "title_en": (form.title_en.data or "").strip(),
        "description": form.description.data or "",
        "mode": form.mode.data,
        "duration_minutes": form.duration_minutes.data,
        "default_priority": form.default_priority.data,
        "orderable_by": form.orderable_by.data,
        "active": form.active.data,
    }


@bp.post("/manage/menu/<int:item_id>/adopt")
@roles(*MANAGER_ROLES)
def adopt(item_id: int):
    """Take the county's own copy of a shared template."""
    return act_and_return(
        lambda: menu_service.adopt_menu_item(user=me(), item_id=item_id),
        _("Adopted: your county now has its own copy."),
        url_for("menu_views.manage"),
    )
