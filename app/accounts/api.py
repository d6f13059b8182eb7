"""REST API for authentication and accounts: tokens, their list and revocation, passwords."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts import auth, service, throttle
from app.accounts.models import ApiToken
from app.accounts.schemas import (
    PasswordChangeSchema,
    PasswordResetSchema,
    TokenInfoSchema,
    TokenRequestSchema,
    TokenSchema,
    UserAdminCreateSchema,
    UserPageSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from app.audit import record, record_denied
from app.core.errors import abort
from app.core.transactions import Blueprint
from app.extensions import db

blp = Blueprint("accounts", __name__, url_prefix="", description="Authentication and accounts")


@blp.route("/auth/token")
class Token(MethodView):
    decorators = [throttle.per_address, throttle.per_username_failures]

    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(429, description="Too many sign-in attempts")
    @blp.doc(security=[])
    def post(self, data: dict):
        """Exchange a username and password for a bearer token."""
        user = auth.authenticate(username=data["username"], password=data["password"])
        if user is None:
            record_denied("auth.login_failed", target_type="user", details={"username": data["username"][:64]})
            abort(401, message="wrong username or password")
        raw, token = auth.issue_token(user=user)
        record("auth.token_issued", actor=user, target_type="api_token", target_id=token.id)
        return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at}

    @blp.response(204)
    def delete(self):
        """Revoke the token this request is sent with (sign out of the API)."""
        user = auth.api_user()
        token = auth.current_token()
        token.revoked = True
        record("auth.token_revoked", actor=user, target_type="api_token", target_id=token.id)


@blp.route("/auth/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenInfoSchema(many=True))
    def get(self):
        """The caller's bearer tokens, newest first (values are never shown again)."""
        user = auth.api_user()
        current = auth.current_token()
        tokens = db.session.scalars(
            db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()).limit(200)
        )
        return [
            {
                "id": t.id,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "revoked": t.revoked,
                "current": current is not None and t.id == current.id,
            }
            for t in tokens
        ]


@blp.route("/auth/tokens/<int:token_id>")
class TokenById(MethodView):
    @blp.response(204)
    def delete(self, token_id: int):
        """Revoke one of the caller's tokens."""
        user = auth.api_user()
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            abort(404, message="token not found")
        token.revoked = True
        record("auth.token_revoked", actor=user, target_type="api_token", target_id=token.id)


@blp.route("/auth/password")
class Password(MethodView):
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, data: dict):
        """Change the caller's password; their other tokens and every page session end."""
        user = auth.api_user()
        token = auth.current_token()
        service.change_password(user=user, keep_token_id=token.id if token else None, **data)


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
        return service.add_user(actor=auth.api_user(), **data)


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
        return service.change_user(actor=auth.api_user(), user_id=user_id, **data)


@blp.route("/users/<int:user_id>/password")
class UserPassword(MethodView):
    @blp.arguments(PasswordResetSchema)
    @blp.response(204)
    def post(self, data: dict, user_id: int):
        """Set a new password for a user (county staff within their county, admins anyone); their sessions end."""
        service.reset_password(staff=auth.api_user(), user_id=user_id, **data)
