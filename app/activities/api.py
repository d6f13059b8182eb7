"""REST API for open activities: publish, list, sign up, withdraw, cancel."""

from __future__ import annotations

from flask.views import MethodView

from app.accounts.auth import api_user
from app.activities import service
from app.activities.schemas import (
    ActivityCancelSchema,
    ActivityCreateSchema,
    ActivityQuerySchema,
    ActivitySchema,
    ActivitySignupCreateSchema,
    ActivitySignupSchema,
)
from app.core.transactions import Blueprint

blp = Blueprint(
    "activities",
    __name__,
    url_prefix="/activities",
    description="Open activities (活动招募): slots by skill, sign-ups, waitlists and automatic promotion",
)


@blp.route("")
class Activities(MethodView):
    @blp.arguments(ActivityQuerySchema, location="query")
    @blp.response(200, ActivitySchema(many=True))
    def get(self, query: dict):
        """Activities you may see (your county's; staff: their scope), soonest first."""
        return service.list_activities(user=api_user(), **query)

    @blp.arguments(ActivityCreateSchema)
    @blp.response(201, ActivitySchema)
    def post(self, data: dict):
        """Publish an activity at a station in your scope, with slots by skill (staff)."""
        return service.publish_activity(user=api_user(), **data)


@blp.route("/<int:activity_id>")
class ActivityById(MethodView):
    @blp.response(200, ActivitySchema)
    def get(self, activity_id: int):
        """One activity with its slots."""
        return service.get_activity(user=api_user(), activity_id=activity_id)


@blp.route("/<int:activity_id>/cancel")
class ActivityCancel(MethodView):
    @blp.arguments(ActivityCancelSchema)
    @blp.response(200, ActivitySchema)
    def post(self, data: dict, activity_id: int):
        """Cancel an activity that has not ended; everyone holding a place is told (staff)."""
        return service.cancel_activity(user=api_user(), activity_id=activity_id, **data)


@blp.route("/<int:activity_id>/signups")
class ActivitySignups(MethodView):
    @blp.response(200, ActivitySignupSchema(many=True))
    def get(self, activity_id: int):
        """Everyone signed up, in sign-up order (staff)."""
        return service.signups_of(user=api_user(), activity_id=activity_id)

    @blp.arguments(ActivitySignupCreateSchema)
    @blp.response(201, ActivitySignupSchema)
    def post(self, data: dict, activity_id: int):
        """Sign up for the slot of a skill: confirmed if there is room, else on its waitlist (409 when closed)."""
        return service.sign_up(user=api_user(), activity_id=activity_id, **data)


@blp.route("/signups/mine")
class MySignups(MethodView):
    @blp.response(200, ActivitySignupSchema(many=True))
    def get(self):
        """Your sign-ups of activities not yet ended."""
        return service.my_signups(user=api_user())


@blp.route("/signups/<int:signup_id>/withdraw")
class SignupWithdraw(MethodView):
    @blp.response(200, ActivitySignupSchema)
    def post(self, signup_id: int):
        """Withdraw before the activity starts; the first on the waitlist takes the place."""
        return service.withdraw(user=api_user(), signup_id=signup_id)
