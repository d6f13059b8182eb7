"""REST API for dispatch runs and proposals (the team lead's inbox)."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.core.transactions import Blueprint, keep_loaded
from app.dispatch import crew, queue
from app.dispatch import proposals as proposals_service
from app.dispatch import runs as runs_service
from app.dispatch.schemas import (
    DeclineSchema,
    ProposalQuerySchema,
    ProposalSchema,
    RunRequestSchema,
    RunSchema,
    SwapSchema,
)
from app.orders.schemas import CorrectionRequestSchema, CorrectionSchema, ServiceRecordSchema

blp = Blueprint("dispatch", __name__, url_prefix="", description="Dispatch runs (派单) and proposals (接单)")


@blp.route("/dispatch/runs")
class Runs(MethodView):
    @blp.response(200, RunSchema(many=True))
    def get(self):
        """Past dispatch runs, newest first."""
        return runs_service.list_runs(user=api_user())

    @blp.arguments(RunRequestSchema)
    @blp.response(202, RunSchema(many=True))
    def post(self, data: dict):
        """Queue a run per county (county staff); poll GET /dispatch/runs/{id} for its state and progress."""
        runs = queue.queue_runs(
            county_code=data["county"], trigger="api", actor=api_user(), time_limit=data["time_limit"]
        )
        queue.send_to_workers(runs)
        keep_loaded()  # the runs hold what is stored: answered without reading them back
        return runs


@blp.route("/dispatch/runs/<int:run_id>")
class RunById(MethodView):
    @blp.response(200, RunSchema)
    def get(self, run_id: int):
        """One run, with the reasons of the orders it could not place."""
        return runs_service.get_run(user=api_user(), run_id=run_id)


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.arguments(ProposalQuerySchema, location="query")
    @blp.response(200, ProposalSchema(many=True))
    def get(self, query: dict):
        """Proposals you may see; a team lead's inbox is ?status=pending."""
        return proposals_service.list_proposals(user=api_user(), **query)


@blp.route("/proposals/<int:proposal_id>")
class ProposalById(MethodView):
    @blp.response(200, ProposalSchema)
    def get(self, proposal_id: int):
        """One proposal with the engine's cost terms."""
        return proposals_service.get_proposal(user=api_user(), proposal_id=proposal_id)


@blp.route("/proposals/<int:proposal_id>/accept")
class ProposalAccept(MethodView):
    @blp.response(200, ProposalSchema)
    def post(self, proposal_id: int):
        """Accept (team lead): the order is accepted and the crew rostered."""
        proposal = proposals_service.accept_proposal(user=api_user(), proposal_id=proposal_id)
        return proposal


@blp.route("/proposals/<int:proposal_id>/decline")
class ProposalDecline(MethodView):
    @blp.arguments(DeclineSchema)
    @blp.response(200, ProposalSchema)
    def post(self, data: dict, proposal_id: int):
        """Decline with a reason (team lead): the order is re-dispatched without this team."""
        proposal = proposals_service.decline_proposal(user=api_user(), proposal_id=proposal_id, reason=data["reason"])
        return proposal


@blp.route("/proposals/<int:proposal_id>/swap")
class ProposalSwap(MethodView):
    @blp.arguments(SwapSchema)
    @blp.response(200, ProposalSchema)
    def post(self, data: dict, proposal_id: int):
        """Swap a crew member for another team member with the same skill (team lead)."""
        proposal = proposals_service.swap_crew_member(user=api_user(), proposal_id=proposal_id, **data)
        return proposal


@blp.route("/service-records/<int:record_id>/confirm")
class ServiceRecordConfirm(MethodView):
    @blp.response(200, ServiceRecordSchema)
    def post(self, record_id: int):
        """Confirm a checked-out stay (team lead or station staff): its minutes, clipped to the job, start to count."""
        record = crew.confirm_hours(user=api_user(), record_id=record_id)
        return record


@blp.route("/service-records/<int:record_id>/corrections")
class ServiceRecordCorrections(MethodView):
    @blp.arguments(CorrectionRequestSchema)
    @blp.response(201, CorrectionSchema)
    def post(self, data: dict, record_id: int):
        """Ask for other check-in/-out times (the volunteer or their lead); the lead or staff decide."""
        correction = crew.request_correction(user=api_user(), record_id=record_id, **data)
        return correction


@blp.route("/service-corrections/<int:correction_id>/approve")
class CorrectionApprove(MethodView):
    @blp.response(200, CorrectionSchema)
    def post(self, correction_id: int):
        """Approve a correction: the record takes its times (the old ones are kept on the correction)."""
        correction = crew.decide_correction(user=api_user(), correction_id=correction_id, approve=True)
        return correction


@blp.route("/service-corrections/<int:correction_id>/reject")
class CorrectionReject(MethodView):
    @blp.response(200, CorrectionSchema)
    def post(self, correction_id: int):
        """Reject a correction: the record stays as it was."""
        correction = crew.decide_correction(user=api_user(), correction_id=correction_id, approve=False)
        return correction
