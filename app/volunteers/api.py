"""REST API for teams, volunteers and their availability."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from app.accounts.auth import api_user
from app.core.transactions import Blueprint
from app.volunteers import imports, service
from app.volunteers.schemas import (
    AvailabilitySchema,
    ExceptionSchema,
    ImportCommitSchema,
    ImportPreviewSchema,
    ImportUploadSchema,
    SlotSchema,
    TeamCreateSchema,
    TeamMembersSchema,
    TeamQuerySchema,
    TeamSchema,
    TeamUpdateSchema,
    VolunteerCreateSchema,
    VolunteerPageSchema,
    VolunteerQuerySchema,
    VolunteerSchema,
    VolunteerSearchSchema,
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
        """Add a team at a station in your area, optionally with a lead (staff)."""
        team = service.add_team(user=api_user(), **data)
        return team


@blp.route("/teams/<int:team_id>")
class TeamById(MethodView):
    @blp.response(200, TeamSchema)
    def get(self, team_id: int):
        """One team."""
        return service.get_team(user=api_user(), team_id=team_id)

    @blp.arguments(TeamUpdateSchema)
    @blp.response(200, TeamSchema)
    def patch(self, data: dict, team_id: int):
        """Rename a team, change its specialty or lead, or (de)activate it (staff over its station)."""
        team = service.change_team(user=api_user(), team_id=team_id, **data)
        return team


@blp.route("/teams/<int:team_id>/members")
class TeamMembers(MethodView):
    @blp.arguments(TeamMembersSchema)
    @blp.response(200, TeamSchema)
    def post(self, data: dict, team_id: int):
        """Add volunteers to the team by code and take members off it (staff over its station)."""
        team = service.set_team_members(user=api_user(), team_id=team_id, **data)
        return team


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


@blp.route("/volunteers/search")
class VolunteerSearch(MethodView):
    @blp.arguments(VolunteerSearchSchema, location="query")
    @blp.response(200, VolunteerPageSchema)
    def get(self, query: dict):
        """Volunteers you may see, searched by name or code and filtered, one page at a time with the total."""
        return service.search_volunteers(user=api_user(), **query)


@blp.route("/volunteer-imports")
class VolunteerImports(MethodView):
    @blp.arguments(ImportUploadSchema, location="files")
    @blp.response(201, ImportPreviewSchema)
    def post(self, files: dict):
        """Upload a CSV or XLSX register: every row is checked and kept for confirmation (nothing imported yet)."""
        upload = files["file"]
        preview = imports.preview_import(user=api_user(), filename=upload.filename or "", content=upload.read())
        return preview


@blp.route("/volunteer-imports/<int:import_id>")
class VolunteerImportById(MethodView):
    @blp.response(200, ImportPreviewSchema)
    def get(self, import_id: int):
        """An upload of yours, its rows checked again against the register as it is now."""
        return imports.get_import(user=api_user(), import_id=import_id)


@blp.route("/volunteer-imports/<int:import_id>/commit")
class VolunteerImportCommit(MethodView):
    @blp.arguments(ImportCommitSchema)
    @blp.response(200, ImportPreviewSchema)
    def post(self, data: dict, import_id: int):
        """Import the volunteers, once: all rows, or refused if any is faulty unless skip_invalid is true."""
        preview = imports.commit_import(user=api_user(), import_id=import_id, **data)
        return preview


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
