"""REST API for the audit log (county staff see their county's entries; admins see all)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts.access import authorize
from app.accounts.auth import api_user
from app.audit import exports, service
from app.audit.schemas import AuditEntrySchema, AuditQuerySchema

blp = Blueprint("audit", __name__, url_prefix="/audit", description="Append-only audit log of staff actions")


@blp.route("")
class AuditEntries(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, query: dict):
        """Audit entries inside the caller's scope, newest first."""
        user = api_user()
        authorize(user, "audit.see")
        return service.list_entries(user=user, **query)


@blp.route("/export.csv")
class AuditExport(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/csv")
    def get(self, query: dict):
        """The same entries as CSV (UTF-8 with BOM)."""
        user = api_user()
        authorize(user, "audit.see")
        response = Response(exports.csv_bytes(service.list_entries(user=user, **query)), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
