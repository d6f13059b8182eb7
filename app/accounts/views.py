"""Sign in and sign out (Flask-Login sessions for pages)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.accounts.auth import authenticate
from app.extensions import login_manager
from app.web.pages import safe_next

bp = Blueprint("accounts_views", __name__)


@bp.record_once
def _login_messages(state) -> None:  # noqa: ANN001
    """Flask-Login's 'please sign in' notice, in the reader's language."""
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter your username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(username=form.username.data.strip(), password=form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong username or password."))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("web.home"))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
def logout():
    """Sign out and return to the sign-in page."""
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts_views.login"))
