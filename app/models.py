"""Imports every model so that metadata (and Alembic autogenerate) sees them all."""

from app.accounts.models import ApiToken, LoginCode, User
from app.activities.models import Activity, ActivitySignup, ActivitySlot
from app.audit.models import AuditEntry
from app.core.ratelimit import RateLimitCounter
from app.coverage.models import CoverageSnapshot
from app.deliberation.models import Demand, DemandEvent, DemandOrder, Meeting
from app.dispatch.models import DispatchProgress, DispatchRun, Proposal, ProposalMember
from app.idempotency.models import IdempotencyRecord
from app.incentives.models import HoursEntry, PointsBalance, PointsEntry, PointsRule, Redemption, ShopItem
from app.menu.models import MenuItem, MenuItemNeed, PracticePriority, Skill, Specialty
from app.notifications.models import DeliveryAttempt, OutboxMessage
from app.orders.models import (
    Order,
    OrderEvent,
    OrderExclusion,
    OrderNeed,
    OrderWindow,
    Rating,
    Resident,
    ServiceCorrection,
    ServiceRecord,
)
from app.rosters.models import FeedKey, RosterVersion
from app.scheduling.models import Heartbeat, JobRun
from app.showcase.models import RatingPhoto
from app.stations.models import Station
from app.visits.models import Campaign, Household, HouseholdImport, Visit
from app.volunteers.models import AvailabilityException, AvailabilitySlot, Team, Volunteer, VolunteerImport

__all__ = [
    "Activity",
    "ActivitySignup",
    "ActivitySlot",
    "ApiToken",
    "AuditEntry",
    "AvailabilityException",
    "AvailabilitySlot",
    "Campaign",
    "CoverageSnapshot",
    "DeliveryAttempt",
    "Demand",
    "DemandEvent",
    "DemandOrder",
    "DispatchProgress",
    "DispatchRun",
    "FeedKey",
    "Heartbeat",
    "Household",
    "HouseholdImport",
    "LoginCode",
    "IdempotencyRecord",
    "HoursEntry",
    "JobRun",
    "Meeting",
    "MenuItem",
    "MenuItemNeed",
    "Order",
    "OrderEvent",
    "OrderExclusion",
    "OrderNeed",
    "OrderWindow",
    "OutboxMessage",
    "PointsBalance",
    "PointsEntry",
    "PointsRule",
    "PracticePriority",
    "RateLimitCounter",
    "RatingPhoto",
    "Proposal",
    "ProposalMember",
    "Rating",
    "Redemption",
    "Resident",
    "RosterVersion",
    "ServiceCorrection",
    "ServiceRecord",
    "ShopItem",
    "Skill",
    "Specialty",
    "Station",
    "Team",
    "User",
    "Visit",
    "Volunteer",
    "VolunteerImport",
]
