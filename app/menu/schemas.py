"""Menu schemas: priorities, skills, menu items with their needs."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.schemas import Id
from app.menu.models import MODES, ORDERABLE_BY

# A menu description is read on a phone; anything longer is a paste gone wrong (or an attack on every reader).
DESCRIPTION_MAX = 2000


class PracticePrioritySchema(Schema):
    """One of the five practice priorities."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    sort_order = fields.Integer()
    icon = fields.String()


class SpecialtySchema(Schema):
    """A specialty."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class SkillSchema(Schema):
    """A skill."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    specialty = fields.Function(lambda s: s.specialty.code if s.specialty else None)


class NeedSchema(Schema):
    """Headcount by skill, shown by skill code."""

    skill = fields.Function(lambda n: n.skill.code)
    count = fields.Integer()


class NeedInSchema(Schema):
    """Headcount by skill on input."""

    skill = fields.String(required=True, validate=validate.Length(min=1, max=40))
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=50))


class MenuItemSchema(Schema):
    """A menu item as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    title_en = fields.String()
    description = fields.String()
    description_en = fields.String()
    priority = fields.Function(lambda m: m.priority.code)
    mode = fields.String()
    duration_minutes = fields.Integer()
    default_priority = fields.Integer()
    orderable_by = fields.String()
    station_id = Id(allow_none=True)
    adopted_from_id = Id(allow_none=True, metadata={"description": "the shared template this item was adopted from"})
    active = fields.Boolean()
    needs = fields.List(fields.Nested(NeedSchema))


class MenuItemCreateSchema(Schema):
    """Input for a new menu item."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    title_en = fields.String(load_default="", validate=validate.Length(max=160))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    description_en = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    priority = fields.String(
        required=True, validate=validate.Length(max=32), metadata={"description": "practice priority code"}
    )
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=15, max=12 * 60))
    default_priority = fields.Integer(load_default=3, validate=validate.Range(min=1, max=5))
    orderable_by = fields.String(load_default="resident", validate=validate.OneOf(ORDERABLE_BY))
    station_id = Id(allow_none=True, load_default=None)
    needs = fields.List(fields.Nested(NeedInSchema), required=True, validate=validate.Length(min=1, max=10))

    @validates_schema
    def needs_distinct(self, data: dict, **kwargs: object) -> None:
        skills = [need["skill"] for need in data.get("needs", [])]
        if len(skills) != len(set(skills)):
            raise ValidationError("each skill may appear once", field_name="needs")


class MenuItemUpdateSchema(Schema):
    """Partial update of a menu item."""

    title = fields.String(validate=validate.Length(min=1, max=120))
    title_en = fields.String(validate=validate.Length(max=160))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    description_en = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    duration_minutes = fields.Integer(validate=validate.Range(min=15, max=12 * 60))
    default_priority = fields.Integer(validate=validate.Range(min=1, max=5))
    orderable_by = fields.String(validate=validate.OneOf(ORDERABLE_BY))
    active = fields.Boolean()


class MenuQuerySchema(Schema):
    """Filters for the menu."""

    priority = fields.String(validate=validate.Length(max=32))
    mode = fields.String(validate=validate.OneOf(MODES))
    station_id = fields.Integer(metadata={"description": "only items orderable at this station"})
    include_inactive = fields.Boolean(load_default=False)
