"""Account schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.accounts.models import ROLES


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


class UserCreateSchema(Schema):
    """Input for a new account (admin)."""

    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))
    display_name = fields.String(load_default=None, validate=validate.Length(max=80))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    station_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


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
