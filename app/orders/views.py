"""Order pages: the list with filters, one order's status and timeline, cancel, rate, check in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.accounts.access import allowed, may_reveal_phone
from app.core.timeutil import LOCAL_TZ
from app.dispatch import crew, phones
from app.dispatch.crew import accepted_proposal
from app.orders import service as order_service
from app.orders.models import RATING_TAGS, STATUSES
from app.stations.service import list_stations
from app.volunteers.service import volunteer_of
from app.web.pages import act_and_return, allows, choices, me, signed_in

bp = Blueprint("orders_views", __name__)


class CancelForm(FlaskForm):
    """Why the order is cancelled."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=400)])


class RateForm(FlaskForm):
    """Stars, the six praise words and a comment (评单)."""

    stars = IntegerField(_l("Stars"), validators=[DataRequired(_l("Please choose 1 to 5 stars.")), NumberRange(1, 5)])
    tags = SelectMultipleField(_l("What was good"), choices=choices((t, t) for t in RATING_TAGS), validate_choice=True)
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)])


class CrewForm(FlaskForm):
    """Check in or out, for oneself (with the station's code) or (lead, staff) for a crew member."""

    volunteer_id = HiddenField()
    station_code = StringField(_l("Code shown at the station"), validators=[Optional(), Length(max=12)])


class CorrectionForm(FlaskForm):
    """The times the volunteer says they really came and went (local), and why."""

    check_in_at = DateTimeLocalField(_l("Arrived"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    check_out_at = DateTimeLocalField(_l("Left"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    reason = StringField(_l("Why the recorded times are wrong"), validators=[DataRequired(), Length(max=300)])


@bp.get("/orders")
@signed_in
def list_orders():
    """Orders the user may see, newest first, filtered by status and station."""
    user = me()
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    station_id = request.args.get("station_id", type=int)
    page = max(1, request.args.get("page", 1, type=int))
    size = current_app.config["ORDER_LIST_PAGE_SIZE"]
    orders = order_service.list_orders(
        user=user, status=status, station_id=station_id, limit=size + 1, offset=(page - 1) * size
    )
    stations = list_stations(user=user) if allowed(user, "order.list.station") else []
    return render_template(
        "orders/list.html",
        orders=orders[:size],
        has_next=len(orders) > size,
        page=page,
        status=status,
        station_id=station_id,
        stations=stations,
        statuses=STATUSES,
    )


@bp.get("/orders/<int:order_id>")
@signed_in
def detail(order_id: int):
    """One order: status, times, the engine's reason if not placed, the crew, the timeline and what can be done."""
    return _detail_page(order_id)


@bp.post("/orders/<int:order_id>/phone")
@allows("order.phone.reveal")
def reveal_phone(order_id: int):
    """The accepted crew's lead sees the resident's full number on the order page (the look is audited)."""
    order = order_service.get_order(user=me(), order_id=order_id)
    revealed = phones.reveal_phone(user=me(), order=order)
    return _detail_page(order_id, revealed_phone=revealed)


def _detail_page(order_id: int, *, revealed_phone: str | None = None):
    user = me()
    order = order_service.get_order(user=user, order_id=order_id)
    proposal = accepted_proposal(order)
    own = volunteer_of(user)
    records = {r.volunteer_id: r for r in order.service_records}
    return render_template(
        "orders/detail.html",
        window=crew.check_in_window(proposal) if proposal else None,
        correction_form=CorrectionForm(),
        order=order,
        proposal=proposal,
        own_volunteer=own,
        own_record=records.get(own.id) if own else None,
        on_crew=bool(own and proposal and any(m.volunteer_id == own.id for m in proposal.crew)),
        records=records,
        cancel_form=CancelForm(),
        rate_form=RateForm(),
        crew_form=CrewForm(),
        tags=RATING_TAGS,
        status_link=url_for(
            "orders_views.public_status", order_id=order.id, key=order_service.status_key(order), _external=True
        )
        if allowed(user, "order.status_link.see")
        else None,
        revealed_phone=revealed_phone,
        may_reveal_phone=may_reveal_phone(user, order, proposal),
    )


@bp.get("/s/<int:order_id>/<key>")
def public_status(order_id: int, key: str):
    """An order's status by its short link, for walk-ins without an account: no sign-in, personal data masked."""
    order = order_service.order_by_status_key(order_id=order_id, key=key)
    return render_template(
        "orders/public_status.html",
        order=order,
        proposal=accepted_proposal(order),
        rate_form=RateForm(),
        rate_action=url_for("orders_views.public_rate", order_id=order.id, key=key),
        tags=RATING_TAGS,
    )


@bp.post("/s/<int:order_id>/<key>/rate")
def public_rate(order_id: int, key: str):
    """A walk-in rates a served order through its short status link, once (the link's key is the permission)."""
    back = url_for("orders_views.public_status", order_id=order_id, key=key)
    order_service.order_by_status_key(order_id=order_id, key=key)
    form = RateForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(back)
    return act_and_return(
        lambda: order_service.rate_order_by_status_key(
            order_id=order_id,
            key=key,
            stars=form.stars.data,
            tags=form.tags.data or [],
            comment=(form.comment.data or "").strip(),
        ),
        _("Thank you for your rating."),
        back,
    )


@bp.get("/orders/<int:order_id>/cancel")
@signed_in
def cancel_confirm(order_id: int):
    """Ask before cancelling: what is cancelled, and a reason."""
    order = order_service.get_order(user=me(), order_id=order_id)
    return render_template("orders/cancel.html", order=order, form=CancelForm())


@bp.post("/orders/<int:order_id>/cancel")
@signed_in
def cancel(order_id: int):
    """Cancel an order that is not yet in service (asked on the page before)."""
    form = CancelForm()
    if form.validate_on_submit():
        return _act(
            order_id,
            lambda: order_service.cancel_order(user=me(), order_id=order_id, reason=(form.reason.data or "").strip()),
            _("The order was cancelled."),
        )
    return _back(order_id, form)


@bp.post("/orders/<int:order_id>/rate")
@signed_in
def rate(order_id: int):
    """Rate a completed order."""
    form = RateForm()
    if form.validate_on_submit():
        return _act(
            order_id,
            lambda: order_service.rate_order(
                user=me(),
                order_id=order_id,
                stars=form.stars.data,
                tags=form.tags.data or [],
                comment=(form.comment.data or "").strip(),
            ),
            _("Thank you for your rating."),
        )
    return _back(order_id, form)


@bp.post("/orders/<int:order_id>/check-in")
@signed_in
def check_in(order_id: int):
    """A crew member arrives (or their lead or staff record it)."""
    form = CrewForm()
    volunteer_id = int(form.volunteer_id.data) if (form.volunteer_id.data or "").isdigit() else None
    code = (form.station_code.data or "").strip() or None
    return _act(
        order_id,
        lambda: crew.check_in(user=me(), order_id=order_id, volunteer_id=volunteer_id, station_code=code),
        _("Checked in. Thank you for coming."),
        form=form,
    )


@bp.post("/orders/<int:order_id>/check-out")
@signed_in
def check_out(order_id: int):
    """A crew member leaves."""
    form = CrewForm()
    volunteer_id = int(form.volunteer_id.data) if (form.volunteer_id.data or "").isdigit() else None
    return _act(
        order_id,
        lambda: crew.check_out(user=me(), order_id=order_id, volunteer_id=volunteer_id),
        _("Checked out. Your hours are recorded."),
        form=form,
    )


@bp.post("/orders/<int:order_id>/complete")
@allows("order.crew.run")
def complete(order_id: int):
    """The lead or staff close an order in service when not all of the crew came."""
    return _act(
        order_id,
        lambda: crew.complete_order(user=me(), order_id=order_id),
        _("The service is marked as done."),
        form=CrewForm(),
    )


@bp.post("/orders/<int:order_id>/records/<int:record_id>/confirm")
@allows("order.crew.run")
def confirm_hours(order_id: int, record_id: int):
    """The lead confirms a crew member's clipped hours."""
    return _act(
        order_id,
        lambda: crew.confirm_hours(user=me(), record_id=record_id),
        _("Hours confirmed."),
        form=CrewForm(),
    )


@bp.post("/orders/<int:order_id>/records/<int:record_id>/correction")
@signed_in
def request_correction(order_id: int, record_id: int):
    """The volunteer asks for other times on their record; the lead decides."""
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _back(order_id, form)
    return _act(
        order_id,
        lambda: crew.request_correction(
            user=me(),
            record_id=record_id,
            check_in_at=form.check_in_at.data.replace(tzinfo=LOCAL_TZ),
            check_out_at=form.check_out_at.data.replace(tzinfo=LOCAL_TZ),
            reason=form.reason.data,
        ),
        _("Your correction is sent to your team lead."),
    )


@bp.post("/orders/<int:order_id>/corrections/<int:correction_id>")
@allows("order.crew.run")
def decide_correction(order_id: int, correction_id: int):
    """The lead approves or rejects a requested correction."""
    approve = request.form.get("decision") == "approve"
    return _act(
        order_id,
        lambda: crew.decide_correction(user=me(), correction_id=correction_id, approve=approve),
        _("Correction approved.") if approve else _("Correction rejected."),
        form=CrewForm(),
    )


def _act(order_id: int, call, done: str, form: FlaskForm | None = None):  # noqa: ANN001
    """Run one service call, commit once, and come back to the order with the outcome."""
    if form is not None and not form.validate_on_submit():
        return _back(order_id, form)
    return act_and_return(call, done, url_for("orders_views.detail", order_id=order_id))


def _back(order_id: int, form: FlaskForm):
    """A form that did not validate: say why and return to the order."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")
    return redirect(url_for("orders_views.detail", order_id=order_id))
