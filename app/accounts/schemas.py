"""Account schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.accounts.models import ROLES
from app.core.schemas import Id


class TokenRequestSchema(Schema):
    """Credentials for a bearer token."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    """A newly issued bearer token."""

    token = fields.String()
    token_type = fields.String()
    expires_at = fields.DateTime()


class UserSchema(Schema):
    """A user as the API shows it."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    scope_station_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class UserAdminCreateSchema(Schema):
    """Input for a new account made by staff: a role no higher than theirs, a scope inside their area."""

    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope_station_id = Id(load_default=None, allow_none=True)


class UserUpdateSchema(Schema):
    """A partial change of an account: name, role, scope, active."""

    display_name = fields.String(validate=validate.Length(min=1, max=80))
    role = fields.String(validate=validate.OneOf(ROLES))
    scope_station_id = Id(allow_none=True)
    active = fields.Boolean()


class UserQuerySchema(Schema):
    """Search and filters for the user list, one page at a time."""

    q = fields.String(load_default=None, validate=validate.Length(max=64))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    station_id = Id(load_default=None)
    active = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class UserPageSchema(Schema):
    """One page of users."""

    items = fields.List(fields.Nested(UserSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()


class TokenInfoSchema(Schema):
    """One of the caller's bearer tokens (never its value)."""

    id = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked = fields.Boolean()
    current = fields.Boolean(metadata={"description": "the token this request was sent with"})


class PasswordChangeSchema(Schema):
    """Change one's own password."""

    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))


class PasswordResetSchema(Schema):
    """A new password set by staff."""

    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))
