"""REST API for authentication and accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.accounts import auth, service
from app.accounts.schemas import (
    PasswordResetSchema,
    TokenRequestSchema,
    TokenSchema,
    UserAdminCreateSchema,
    UserPageSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from app.extensions import db

blp = Blueprint("accounts", __name__, url_prefix="", description="Authentication and accounts")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.doc(security=[])
    def post(self, data: dict):
        """Exchange a username and password for a bearer token."""
        user = auth.authenticate(username=data["username"], password=data["password"])
        if user is None:
            abort(401, message="wrong username or password")
        raw, token = auth.issue_token(user=user)
        db.session.commit()
        return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at}


@blp.route("/auth/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The caller's account."""
        return auth.api_user()


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, query: dict):
        """Accounts in your area (staff), searched and filtered, one page at a time."""
        return service.list_users(actor=auth.api_user(), **query)

    @blp.arguments(UserAdminCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict):
        """Create an account in your area with a role no higher than yours (staff)."""
        user = service.add_user(actor=auth.api_user(), **data)
        db.session.commit()
        return user


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int):
        """One account in your area."""
        return service.get_user(actor=auth.api_user(), user_id=user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict, user_id: int):
        """Change an account's name, role, area or activity (deactivating signs its tokens out)."""
        user = service.change_user(actor=auth.api_user(), user_id=user_id, **data)
        db.session.commit()
        return user


@blp.route("/users/<int:user_id>/password-reset")
class UserPasswordReset(MethodView):
    @blp.response(201, PasswordResetSchema)
    def post(self, user_id: int):
        """Give the account a new one-time password, returned once."""
        password = service.reset_password(actor=auth.api_user(), user_id=user_id)
        db.session.commit()
        return {"password": password}
