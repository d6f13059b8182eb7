"""Sign in, sign out and change one's password (Flask-Login sessions for pages)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from app.accounts import phone_login, service, throttle
from app.accounts.access import grantable_roles, is_admin, may_grant
from app.accounts.auth import authenticate, end_sessions
from app.accounts.models import User
from app.audit import record, record_denied
from app.audit.service import list_entries
from app.core.errors import DomainError
from app.core.masking import mask_phone
from app.core.timeutil import utcnow
from app.extensions import db, login_manager
from app.web.pages import allows, choices, me, page_arg, refusal_shown_on, refused, safe_next, state_arg

bp = Blueprint("accounts_views", __name__)


@bp.record_once
def _login_messages(state) -> None:  # noqa: ANN001
    """Flask-Login's 'please sign in' notice, in the reader's language."""
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter your username.")), Length(max=64)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=200)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=200)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Please enter a new password.")),
            Length(min=8, max=200, message=_l("A password has 8 to 200 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("New password again"), validators=[EqualTo("new_password", message=_l("The two new passwords differ."))]
    )


@bp.route("/login", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_username_failures
def login():
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        user = authenticate(username=username, password=form.password.data)
        if user is None:
            record_denied("auth.login_failed", target_type="user", details={"username": username[:64]})
            form.password.errors.append(_("Wrong username or password."))
        else:
            login_user(user, remember=form.remember.data)
            record("auth.login", actor=user, target_type="user", target_id=user.id)
            return redirect(safe_next(request.args.get("next")) or url_for("web.home"))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
def logout():
    """Sign out: this and every other session and remember cookie of the user stop working."""
    if current_user.is_authenticated:
        user = me()
        end_sessions(user=user)
        record("auth.logout", actor=user, target_type="user", target_id=user.id)
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts_views.login"))


# ---------------------------------------------------------------------------------------------------------------
# Staff administration of accounts


class UserCreateForm(FlaskForm):
    """A new account: username, name, role, area and a first password."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(_l("Please enter a username.")),
            Regexp(r"^[A-Za-z0-9_.-]{3,64}$", message=_l("3 to 64 letters, digits, dots, dashes or underscores.")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    role = SelectField(_l("Role"))
    scope_station_id = SelectField(_l("Area"), coerce=int)
    password = PasswordField(
        _l("First password"), validators=[DataRequired(_l("Please enter a password.")), Length(min=8, max=200)]
    )


class UserEditForm(FlaskForm):
    """What staff may change about an account."""

    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    role = SelectField(_l("Role"))
    scope_station_id = SelectField(_l("Area"), coerce=int)
    active = BooleanField(_l("Active (may sign in)"))


def _grantable_roles(actor) -> list:  # noqa: ANN001
    from app.web.helpers import ROLE_LABELS

    return choices([(r, str(ROLE_LABELS[r])) for r in grantable_roles(actor)])


def _area_choices(actor) -> list:  # noqa: ANN001
    from app.stations.service import list_stations

    rows = [(s.id, s.name) for s in list_stations(user=actor)]
    if is_admin(actor):
        rows.insert(0, (0, _("Everywhere (administrators only)")))
    return choices(rows)


@bp.get("/admin/users")
@allows("users.list")
def users():
    """Accounts in the staff member's area: search, filter by role and state, page through."""
    from app.accounts.models import ROLES

    actor = me()
    q = (request.args.get("q") or "").strip()[:64]
    role = request.args.get("role") or None
    role = role if role in ROLES else None
    state, active = state_arg()
    result = service.list_users(actor=actor, q=q or None, role=role, active=active, page=page_arg(), per_page=50)
    return render_template("accounts/users.html", result=result, q=q, role=role, state=state, roles=ROLES)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allows("users.manage")
def new_user():
    """Create an account with a role no higher than one's own, inside one's area."""
    actor = me()
    form = UserCreateForm()
    form.role.choices = _grantable_roles(actor)
    form.scope_station_id.choices = _area_choices(actor)
    if form.validate_on_submit():
        with refusal_shown_on(form):
            user = service.add_user(
                actor=actor,
                username=form.username.data.strip(),
                display_name=form.display_name.data.strip(),
                role=form.role.data,
                scope_station_id=form.scope_station_id.data or None,
                password=form.password.data,
            )
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("accounts_views.user_detail", user_id=user.id))
    return render_template("accounts/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allows("users.manage")
def user_detail(user_id: int):
    """One account: change name, role, area, activity; reset its password."""
    actor = me()
    user = service.get_user(actor=actor, user_id=user_id)
    form = UserEditForm(obj=user)
    form.role.choices = _grantable_roles(actor)
    if not may_grant(actor, user.role):
        from app.web.helpers import ROLE_LABELS

        form.role.choices = [*form.role.choices, *choices([(user.role, str(ROLE_LABELS[user.role]))])]
    form.scope_station_id.choices = _area_choices(actor)
    if request.method == "GET":
        form.scope_station_id.data = user.scope_station_id or 0
    if form.validate_on_submit():
        changes: dict = {"display_name": form.display_name.data.strip()}
        if user.id != actor.id:
            changes.update(
                role=form.role.data, scope_station_id=form.scope_station_id.data or None, active=form.active.data
            )
        with refusal_shown_on(form):
            service.change_user(actor=actor, user_id=user.id, **changes)
            flash(_("Saved."), "success")
            return redirect(url_for("accounts_views.user_detail", user_id=user.id))
    return render_template(
        "accounts/user_detail.html", user=user, form=form, is_self=user.id == actor.id, history=_history(actor, user)
    )


@bp.post("/admin/users/<int:user_id>/password-reset")
@allows("users.manage")
def user_password_reset(user_id: int):
    """Set a new one-time password and show it once on the account page; the user's sessions end."""
    actor = me()
    user = service.get_user(actor=actor, user_id=user_id)
    password = secrets.token_urlsafe(9)
    try:
        service.reset_password(staff=actor, user_id=user.id, new_password=password)
    except DomainError as error:
        flash(refused(error), "error")
        return redirect(url_for("accounts_views.user_detail", user_id=user.id))
    form = UserEditForm(obj=user)
    form.role.choices = _grantable_roles(actor)
    form.scope_station_id.choices = _area_choices(actor)
    form.scope_station_id.data = user.scope_station_id or 0
    # Shown in this response only, never flashed into the session cookie or logged.
    return render_template(
        "accounts/user_detail.html",
        user=user,
        form=form,
        is_self=user.id == actor.id,
        new_password=password,
        history=_history(actor, user),
    )


def _history(actor: User, user: User) -> list:
    """The audit entries about one account that the actor's scope shows."""
    return list_entries(user=actor, target_type="user", target_id=user.id, limit=20)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other devices are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = me()
        with refusal_shown_on(form):
            service.change_password(
                user=user, current_password=form.current_password.data, new_password=form.new_password.data
            )
            # The epoch moved on: sign this browser in again under the new one, the others stay signed out.
            login_user(user)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form), 200 if not form.errors else 422


class PhoneForm(FlaskForm):
    """The phone a code is sent to."""

    phone = StringField(
        _l("Mobile phone number"), validators=[DataRequired(_l("Please enter your mobile phone number."))]
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """The code from the text message."""

    code = StringField(_l("Code from the text message"), validators=[DataRequired(_l("Please enter the code."))])
    next = HiddenField()


class SignUpForm(FlaskForm):
    """A new resident's name and home station."""

    name = StringField(
        _l("What should we call you?"), validators=[DataRequired(_l("Please enter your name.")), Length(max=80)]
    )
    station_id = SelectField(_l("Your village or community station"), coerce=int)
    next = HiddenField()


# A checked phone may finish signing up within this time.
_VERIFIED_FOR = timedelta(minutes=15)


def _next_target(form: FlaskForm) -> str | None:
    return safe_next(form.next.data or request.args.get("next"))


@bp.route("/login/phone", methods=["GET", "POST"])
@throttle.per_address
def phone_start():
    """Step 1 of signing in or up with a phone: send a code."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = PhoneForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        with refusal_shown_on(form):
            sent = phone_login.request_code(phone=form.phone.data)
            _send_once_committed(sent.message_ids)
            session["otp_phone"] = phone_login.normalize_phone(form.phone.data)
            flash(_("We sent a code to %(phone)s.", phone=mask_phone(session["otp_phone"])), "success")
            return redirect(url_for("accounts_views.phone_code", next=_next_target(form) or None))
    return render_template("accounts/phone.html", form=form), 422 if form.errors else 200


def _send_once_committed(message_ids: list[int]) -> None:
    """After the request's commit, send the code at once rather than at the scheduler's next minute.

    Only a committed message may go out (the outbox's rule); should sending fail here, the outbox retries it.
    """
    from app.notifications.service import deliver_now

    @after_this_request
    def send(response):  # noqa: ANN001, ANN202
        if response.status_code >= 400:
            return response
        try:
            deliver_now(message_ids=message_ids)
            db.session.commit()
        except Exception:  # noqa: BLE001 (the code row is committed; the scheduler delivers it)
            db.session.rollback()
            current_app.logger.exception("immediate delivery of a login code failed; left to the outbox")
        return response


@bp.route("/login/phone/code", methods=["GET", "POST"])
@throttle.per_address
def phone_code():
    """Step 2: type the code; a known phone is signed in, a new one goes on to sign up."""
    phone = session.get("otp_phone")
    if not phone:
        return redirect(url_for("accounts_views.phone_start"))
    form = CodeForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        outcome = phone_login.check_code(phone=phone, code=form.code.data)
        if outcome is phone_login.CodeCheck.OK:
            session.pop("otp_phone", None)
            user = phone_login.resident_with_phone(phone)
            if user is not None:
                login_user(user)
                record("auth.login", actor=user, target_type="user", target_id=user.id, details={"by": "phone"})
                return redirect(_next_target(form) or url_for("web.home"))
            session["verified_phone"] = {"phone": phone, "at": utcnow().isoformat()}
            return redirect(url_for("accounts_views.sign_up", next=_next_target(form) or None))
        messages = {
            phone_login.CodeCheck.WRONG: _("That code is not right. Please check the text message and try again."),
            phone_login.CodeCheck.EXPIRED: _("This code has expired or was already used. Please ask for a new one."),
            phone_login.CodeCheck.LOCKED: _("Too many wrong tries. Please ask for a new code."),
        }
        # Post/redirect/get: the counted try is committed with the redirect, and Back never re-sends a code.
        flash(messages[outcome], "error")
        return redirect(url_for("accounts_views.phone_code", next=_next_target(form) or None))
    return render_template("accounts/phone_code.html", form=form, masked_phone=mask_phone(phone)), (
        422 if form.errors else 200
    )


def _verified_phone() -> str | None:
    from datetime import datetime

    verified = session.get("verified_phone") or {}
    try:
        at = datetime.fromisoformat(verified["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return verified.get("phone") if utcnow() - at <= _VERIFIED_FOR else None


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    """Step 3 for a new phone: a name and a home station, then the account exists and is signed in."""
    phone = _verified_phone()
    if phone is None:
        return redirect(url_for("accounts_views.phone_start"))
    from app.web.public import station_choices

    form = SignUpForm(next=request.args.get("next", ""))
    form.station_id.choices = station_choices()
    if request.method == "GET" and session.get("menu_station_id"):
        form.station_id.data = session["menu_station_id"]
    if form.validate_on_submit():
        with refusal_shown_on(form):
            user = phone_login.sign_up_resident(phone=phone, name=form.name.data, station_id=form.station_id.data)
            session.pop("verified_phone", None)
            login_user(user)
            record("auth.sign_up", actor=user, target_type="user", target_id=user.id)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_next_target(form) or url_for("web.home"))
    return render_template("accounts/signup.html", form=form, masked_phone=mask_phone(phone)), (
        422 if form.errors else 200
    )


@bp.get("/dev/codes")
def dev_codes():
    """Development only: the login codes sent lately, so the phone step can be tried without a phone."""
    if not current_app.config.get("DEV_PAGES"):
        abort(404)
    rows = list(phone_login.dev_codes())
    return render_template("accounts/dev_codes.html", rows=rows)
