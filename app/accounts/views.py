"""Sign in, sign out and change one's password (Flask-Login sessions for pages)."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from app.accounts import service, throttle
from app.accounts.auth import authenticate, end_sessions
from app.accounts.models import User
from app.audit import record, record_denied
from app.audit.service import list_entries
from app.core.errors import DomainError
from app.extensions import login_manager
from app.web.pages import choices, me, refused, roles, safe_next, show_error

bp = Blueprint("accounts_views", __name__)

STAFF = ("station_staff", "county_staff", "admin")


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
    from app.accounts.models import ROLES
    from app.accounts.service import ROLE_RANK
    from app.web.helpers import ROLE_LABELS

    allowed = [r for r in ROLES if ROLE_RANK[r] <= ROLE_RANK[actor.role] and (r != "admin" or actor.role == "admin")]
    return choices([(r, str(ROLE_LABELS[r])) for r in allowed])


def _area_choices(actor) -> list:  # noqa: ANN001
    from app.stations.service import list_stations

    rows = [(s.id, s.name) for s in list_stations(user=actor)]
    if actor.role == "admin":
        rows.insert(0, (0, _("Everywhere (administrators only)")))
    return choices(rows)


@bp.get("/admin/users")
@roles(*STAFF)
def users():
    """Accounts in the staff member's area: search, filter by role and state, page through."""
    from app.accounts.models import ROLES

    actor = me()
    q = (request.args.get("q") or "").strip()[:64]
    role = request.args.get("role") or None
    role = role if role in ROLES else None
    state = request.args.get("state") or ""
    active = {"active": True, "inactive": False}.get(state)
    page = max(1, request.args.get("page", 1, type=int))
    result = service.list_users(actor=actor, q=q or None, role=role, active=active, page=page, per_page=50)
    return render_template("accounts/users.html", result=result, q=q, role=role, state=state, roles=ROLES)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles(*STAFF)
def new_user():
    """Create an account with a role no higher than one's own, inside one's area."""
    actor = me()
    form = UserCreateForm()
    form.role.choices = _grantable_roles(actor)
    form.scope_station_id.choices = _area_choices(actor)
    if form.validate_on_submit():
        try:
            user = service.add_user(
                actor=actor,
                username=form.username.data.strip(),
                display_name=form.display_name.data.strip(),
                role=form.role.data,
                scope_station_id=form.scope_station_id.data or None,
                password=form.password.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("accounts_views.user_detail", user_id=user.id))
    return render_template("accounts/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles(*STAFF)
def user_detail(user_id: int):
    """One account: change name, role, area, activity; reset its password."""
    actor = me()
    user = service.get_user(actor=actor, user_id=user_id)
    form = UserEditForm(obj=user)
    form.role.choices = _grantable_roles(actor)
    if user.role not in {c.value if hasattr(c, "value") else c[0] for c in form.role.choices}:
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
        try:
            service.change_user(actor=actor, user_id=user.id, **changes)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accounts_views.user_detail", user_id=user.id))
    return render_template(
        "accounts/user_detail.html", user=user, form=form, is_self=user.id == actor.id, history=_history(actor, user)
    )


@bp.post("/admin/users/<int:user_id>/password-reset")
@roles(*STAFF)
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
