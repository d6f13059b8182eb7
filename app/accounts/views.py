"""Sign in, sign out and change one's password (Flask-Login sessions for pages)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts import service, throttle
from app.accounts.auth import authenticate, end_sessions
from app.audit import record, record_denied
from app.core.errors import DomainError
from app.extensions import login_manager
from app.web.pages import me, safe_next, show_error

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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other devices are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = me()
        try:
            service.change_password(
                user=user, current_password=form.current_password.data, new_password=form.new_password.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            # The epoch moved on: sign this browser in again under the new one, the others stay signed out.
            login_user(user)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form), 200 if not form.errors else 422
