"""REST API for the menu."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.menu import service
from app.menu.schemas import (
    MenuItemCreateSchema,
    MenuItemSchema,
    MenuItemUpdateSchema,
    MenuQuerySchema,
    PracticePrioritySchema,
    SkillSchema,
    SpecialtySchema,
)

blp = Blueprint("menu", __name__, url_prefix="", description="The menu: priorities, skills and menu items")


@blp.route("/practice-priorities")
class Priorities(MethodView):
    @blp.response(200, PracticePrioritySchema(many=True))
    def get(self):
        """The five practice priorities."""
        api_user()
        return service.list_priorities()


@blp.route("/skills")
class Skills(MethodView):
    @blp.response(200, SkillSchema(many=True))
    def get(self):
        """Every skill."""
        api_user()
        return service.list_skills()


@blp.route("/specialties")
class Specialties(MethodView):
    @blp.response(200, SpecialtySchema(many=True))
    def get(self):
        """Every specialty."""
        api_user()
        return service.list_specialties()


@blp.route("/menu-items")
class MenuItems(MethodView):
    @blp.arguments(MenuQuerySchema, location="query")
    @blp.response(200, MenuItemSchema(many=True))
    def get(self, query: dict):
        """The menu, optionally only what a station may order."""
        api_user()
        return service.list_menu(**query)

    @blp.arguments(MenuItemCreateSchema)
    @blp.response(201, MenuItemSchema)
    def post(self, data: dict):
        """Add a menu item (county staff)."""
        item = service.create_menu_item(user=api_user(), **data)
        return item


@blp.route("/menu-items/<int:item_id>")
class MenuItemById(MethodView):
    @blp.response(200, MenuItemSchema)
    def get(self, item_id: int):
        """One menu item."""
        api_user()
        return service.get_menu_item(item_id)

    @blp.arguments(MenuItemUpdateSchema)
    @blp.response(200, MenuItemSchema)
    def patch(self, data: dict, item_id: int):
        """Edit or (de)activate a menu item (county staff)."""
        item = service.update_menu_item(user=api_user(), item_id=item_id, **data)
        return item


@blp.route("/menu-items/<int:item_id>/adopt")
class MenuItemAdopt(MethodView):
    @blp.response(201, MenuItemSchema)
    def post(self, item_id: int):
        """Adopt a shared template into your county (county staff): your stations then order your own copy."""
        return service.adopt_menu_item(user=api_user(), item_id=item_id)
