"""REST API for authentication and accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.accounts import auth, service
from app.accounts.access import require_role
from app.accounts.schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema
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
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict):
        """Create an account (admin)."""
        require_role(auth.api_user(), "admin")
        user = service.create_user(**data)
        db.session.commit()
        return user
