"""REST API for teams, volunteers and their availability."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.volunteers import service
from app.volunteers.schemas import (
    AvailabilitySchema,
    ExceptionSchema,
    SlotSchema,
    TeamCreateSchema,
    TeamQuerySchema,
    TeamSchema,
    VolunteerCreateSchema,
    VolunteerQuerySchema,
    VolunteerSchema,
    VolunteerUpdateSchema,
)

blp = Blueprint("volunteers", __name__, url_prefix="", description="Teams, volunteers and availability")


class AvailabilityOutSchema(Schema):
    weekly = fields.List(fields.Nested(SlotSchema))
    exceptions = fields.List(fields.Nested(ExceptionSchema))


@blp.route("/teams")
class Teams(MethodView):
    @blp.arguments(TeamQuerySchema, location="query")
    @blp.response(200, TeamSchema(many=True))
    def get(self, query: dict):
        """Teams in your scope, and your own."""
        return service.list_teams(user=api_user(), **query)

    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    def post(self, data: dict):
        """Add a team (staff)."""
        team = service.create_team(user=api_user(), **data)
        return team


@blp.route("/teams/<int:team_id>")
class TeamById(MethodView):
    @blp.response(200, TeamSchema)
    def get(self, team_id: int):
        """One team."""
        return service.get_team(user=api_user(), team_id=team_id)


@blp.route("/volunteers")
class Volunteers(MethodView):
    @blp.arguments(VolunteerQuerySchema, location="query")
    @blp.response(200, VolunteerSchema(many=True))
    def get(self, query: dict):
        """Volunteers you may see."""
        return service.list_volunteers(user=api_user(), **query)

    @blp.arguments(VolunteerCreateSchema)
    @blp.response(201, VolunteerSchema)
    def post(self, data: dict):
        """Register a volunteer (staff)."""
        volunteer = service.create_volunteer(user=api_user(), **data)
        return volunteer


@blp.route("/volunteers/<int:volunteer_id>")
class VolunteerById(MethodView):
    @blp.response(200, VolunteerSchema)
    def get(self, volunteer_id: int):
        """One volunteer."""
        return service.get_volunteer(user=api_user(), volunteer_id=volunteer_id)

    @blp.arguments(VolunteerUpdateSchema)
    @blp.response(200, VolunteerSchema)
    def patch(self, data: dict, volunteer_id: int):
        """Change skills, team or limits."""
        volunteer = service.update_volunteer(user=api_user(), volunteer_id=volunteer_id, **data)
        return volunteer


@blp.route("/volunteers/<int:volunteer_id>/availability")
class VolunteerAvailability(MethodView):
    @blp.response(200, AvailabilityOutSchema)
    def get(self, volunteer_id: int):
        """Weekly availability and exceptions."""
        return service.availability_of(user=api_user(), volunteer_id=volunteer_id)

    @blp.arguments(AvailabilitySchema)
    @blp.response(200, AvailabilityOutSchema)
    def put(self, data: dict, volunteer_id: int):
        """Replace weekly availability and exceptions."""
        result = service.set_availability(user=api_user(), volunteer_id=volunteer_id, **data)
        return result
