"""Two counties with one object of every kind each, for walking every operation and page as every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from app.activities import service as activities
from app.core.timeutil import to_local, utcnow
from app.deliberation import service as deliberation
from app.dispatch import crew
from app.dispatch.models import DispatchRun
from app.dispatch.proposals import accept_proposal
from app.extensions import db
from app.incentives import service as incentives
from app.menu.models import MenuItem, MenuItemNeed
from app.orders import service as orders
from app.orders.models import Resident
from app.visits.models import Campaign, Household, Visit
from tests.factories import World, build_second_county, proposed_order, slot

# Who walks: every role of the first county, and the second county's staff.
ROLES = ("admin", "county", "town", "staff", "resident", "lead_v", "volunteer", "county2")


@dataclass
class Objects:
    """Path parameters for one county's objects."""

    ids: dict[str, int] = field(default_factory=dict)


def _resident_order(world: World, resident: str, village: str, lead: str, crew_keys: list[str], team: str, index: int):
    """An order the resident placed, proposed to a team and accepted by its lead, at a distinct slot."""
    start = slot(index)
    proposal = proposed_order(world, start, [world.volunteers[k] for k in crew_keys], team=world.teams[team])
    order = proposal.order
    # Make it the resident's own order at their village (the builder placed it as staff for a walk-in).
    resident_user = world.users[resident]
    own = db.session.scalar(db.select(Resident).where(Resident.user_id == resident_user.id))
    if own is None:
        own = Resident(
            name=resident_user.display_name,
            phone="13912345678",
            station_id=world.stations[village].id,
            user_id=resident_user.id,
        )
        db.session.add(own)
    order.placed_by_id = resident_user.id
    order.station_id = world.stations[village].id
    order.resident = own
    db.session.flush()
    accept_proposal(user=world.users[lead], proposal_id=proposal.id)
    return proposal


def _planned_visit(world: World, village: str, volunteer, index: int) -> Visit:  # noqa: ANN001
    """A visit campaign at the village with one household, planned for the volunteer tomorrow."""
    station = world.stations[village]
    household = Household(station=station, code=f"H-{index}", address="某村某组1号", lat=station.lat, lon=station.lon)
    start = slot(0)
    campaign = Campaign(
        station=station,
        title="消防安全走访",
        topic="fire_safety",
        starts_on=start.date(),
        ends_on=start.date() + timedelta(days=2),
        volunteers=[volunteer],
    )
    visit = Visit(campaign=campaign, household=household, volunteer=volunteer, shift_start=start, planned_at=start,
                  sequence=1)  # fmt: skip
    db.session.add_all([household, campaign, visit])
    db.session.flush()
    return visit


def build_two_counties(world: World) -> tuple[Objects, Objects]:
    """Objects in the first county (the walkers' own) and in the second (outside everyone's scope but admin's)."""
    build_second_county(world)
    own, other = Objects(), Objects()
    template = world.menu_item("MI-15")
    xj_item = MenuItem(
        code="MI-XJ-1",
        title="西吉县送医下乡",
        priority_id=template.priority_id,
        mode=template.mode,
        duration_minutes=template.duration_minutes,
        station_id=world.stations["XJ"].id,
    )
    xj_item.needs = [MenuItemNeed(skill_id=n.skill_id, count=n.count) for n in template.needs]
    db.session.add(xj_item)
    db.session.flush()
    for objects, county, village, resident, lead, crew_keys, team, item, base in (
        (own, "PY", "PY-BY-01", "resident", "lead_v", ["v1"], "T-V-A1", template.id, 0),
        (other, "XJ", "XJ-JQ-01", "resident2", "lead2", ["x1"], "T-XJ", xj_item.id, 1),
    ):
        live = _resident_order(world, resident, village, lead, crew_keys, team, base)
        served = _resident_order(world, resident, village, lead, crew_keys, team, base + 2)
        volunteer = world.volunteers[crew_keys[0]]
        crew.check_in(user=world.users["admin"], order_id=served.order_id, volunteer_id=volunteer.id)
        crew.check_out(user=world.users["admin"], order_id=served.order_id, volunteer_id=volunteer.id)
        orders.rate_order(user=world.users["admin"], order_id=served.order_id, stars=5, tags=["真点赞"])
        # An hour served (the check-out above was at once, so 0 minutes), in the ledger, and points to spend.
        admin = world.users["admin"]
        served.order.service_records[0].minutes = 60
        (entry,) = incentives.record_service(served.order)
        shop_item = incentives.create_item(
            user=admin, station_id=world.stations[village].id, name="毛巾", points_cost=1, stock=5
        )
        redemption = incentives.redeem(user=admin, item_id=shop_item.id, volunteer_id=volunteer.id)
        meeting = deliberation.record_meeting(
            user=admin, station_id=world.stations[village].id, held_on=to_local(utcnow()).date(), title="村民议事会"
        )
        demand = deliberation.raise_demand(user=admin, title="修路灯", meeting_id=meeting.id)
        evening = slot(3) + timedelta(hours=3)  # after the day's orders
        activity = activities.publish_activity(
            user=world.users["admin"],
            station_id=world.stations[village].id,
            title="村晚",
            start_at=evening,
            end_at=evening + timedelta(hours=2),
            slots=[{"skill": "elder-care", "capacity": 2}],
        )
        signup = activities.sign_up(
            user=world.users["admin"], activity_id=activity.id, skill="elder-care", volunteer_id=volunteer.id
        )
        run = DispatchRun(county_id=world.stations[county].id, trigger="test", status="done")
        db.session.add(run)
        visit = _planned_visit(world, village, volunteer, base)
        db.session.flush()
        objects.ids = {
            "station_id": world.stations[village].id,
            "item_id": item,
            "team_id": world.teams[team].id,
            "volunteer_id": volunteer.id,
            "order_id": live.order_id,
            "rated_order_id": served.order_id,
            "proposal_id": live.id,
            "run_id": run.id,
            "owner_id": world.teams[team].id,
            "user_id": world.users[lead].id,
            "token_id": 0,
            "campaign_id": visit.campaign_id,
            "visit_id": visit.id,
            "shop_item_id": shop_item.id,
            "redemption_id": redemption.id,
            "entry_id": entry.id,
            "meeting_id": meeting.id,
            "demand_id": demand.id,
            "activity_id": activity.id,
            "station_code": village,
            "county_code": county,
            "signup_id": signup.id,
        }
    db.session.commit()
    return own, other
