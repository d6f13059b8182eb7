"""The incentives rules: hours ledger from check-out, versioned points, balances never negative, the shop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.core.errors import Forbidden, InvalidTransition, ValidationFailed
from app.core.timeutil import set_clock
from app.dispatch import crew as crew_service
from app.extensions import db
from app.incentives import service
from app.incentives.models import HoursEntry, PointsBalance, PointsEntry, Redemption, ShopItem
from tests.incentives.conftest import SERVED


def _lines(volunteer) -> list[HoursEntry]:  # noqa: ANN001
    return list(db.session.scalars(db.select(HoursEntry).where(HoursEntry.volunteer_id == volunteer.id)))


def test_completion_writes_one_hours_line_per_crew_member_with_points(world, serve) -> None:
    order = serve({"v1": 90, "v2": 60}, priority=5)
    v1, v2 = world.volunteers["v1"], world.volunteers["v2"]
    (line,) = _lines(v1)
    assert (line.kind, line.minutes, line.order_id, line.station_id) == ("service", 90, order.id, order.station_id)
    assert line.team_id == v1.team_id and line.served_at == SERVED - timedelta(minutes=90)
    # 90 minutes at 10 an hour, plus 2 for each priority level above 3.
    assert service.balance_of(v1.id) == 15 + 2 * 2
    assert service.balance_of(v2.id) == 10 + 2 * 2


def test_hours_a_volunteer_checked_out_count_once_the_lead_confirms_them(world, serve) -> None:
    order = serve({"v1": 90}, checked_out_by="volunteer")
    v1 = world.volunteers["v1"]
    assert order.status == "completed" and _lines(v1) == [] and service.balance_of(v1.id) == 0
    crew_service.confirm_hours(user=world.users["lead_v"], record_id=order.service_records[0].id)
    (line,) = _lines(v1)
    assert (line.kind, line.minutes) == ("service", 90)
    assert service.balance_of(v1.id) == 15


def test_a_time_correction_approved_after_the_ledger_adds_a_correction_line(world, serve) -> None:
    order = serve({"v1": 90})
    v1, record = world.volunteers["v1"], order.service_records[0]
    assert service.balance_of(v1.id) == 15
    correction = crew_service.request_correction(
        user=world.users["volunteer"],
        record_id=record.id,
        check_in_at=SERVED - timedelta(minutes=60),
        check_out_at=SERVED,
        reason="到得晚了",
    )
    crew_service.decide_correction(user=world.users["lead_v"], correction_id=correction.id, approve=True)
    db.session.commit()
    service_line, correction_line = _lines(v1)
    assert (service_line.kind, service_line.minutes) == ("service", 90)  # the first line is never edited
    assert (correction_line.kind, correction_line.minutes) == ("correction", -30)
    assert correction_line.corrects_id == service_line.id
    assert correction_line.recorded_by_id == world.users["lead_v"].id
    assert service.balance_of(v1.id) == 10


def test_the_ledger_is_written_once(world, serve) -> None:
    order = serve({"v1": 90})
    assert service.record_service(order) == []
    record = order.service_records[0]
    db.session.add(
        HoursEntry(
            volunteer_id=record.volunteer_id,
            kind="service",
            minutes=5,
            service_record_id=record.id,
            station_id=order.station_id,
            served_at=SERVED,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(_lines(world.volunteers["v1"])) == 1


def test_five_stars_pay_the_rating_bonus_to_each_crew_member(world, serve) -> None:
    serve({"v1": 60, "v2": 60}, stars=5)
    serve({"v1": 60}, stars=4)
    assert service.balance_of(world.volunteers["v1"].id) == 10 + 5 + 10
    assert service.balance_of(world.volunteers["v2"].id) == 10 + 5


def test_a_new_rule_version_leaves_past_points_alone(world, serve) -> None:
    serve({"v1": 60})
    set_clock(SERVED - timedelta(days=1))
    rule = service.create_rule(user=world.users["county"], points_per_hour=30, rating_bonus=0, priority_bonus=0)
    set_clock(None)
    db.session.commit()
    assert rule.version == 2
    serve({"v1": 60})
    entries = list(db.session.scalars(db.select(PointsEntry).order_by(PointsEntry.id)))
    assert [(e.points, e.rule.version) for e in entries] == [(10, 1), (30, 2)]
    assert service.balance_of(world.volunteers["v1"].id) == 40


def test_rules_are_made_by_county_staff_and_never_start_in_the_past(world) -> None:
    with pytest.raises(Forbidden):
        service.create_rule(user=world.users["staff"], points_per_hour=1, rating_bonus=0)
    with pytest.raises(ValidationFailed) as refused:
        service.create_rule(
            user=world.users["county"],
            points_per_hour=1,
            rating_bonus=0,
            effective_from=SERVED.replace(year=2020),
        )
    assert refused.value.field == "effective_from"


def test_a_correction_is_a_new_line_paid_at_the_original_rule(world, serve) -> None:
    serve({"v1": 60})
    (line,) = _lines(world.volunteers["v1"])
    service.create_rule(user=world.users["county"], points_per_hour=100, rating_bonus=0)
    fix = service.correct_hours(user=world.users["staff"], entry_id=line.id, minutes=30, reason="签退晚了")
    assert (fix.kind, fix.minutes, fix.corrects_id) == ("correction", 30, line.id)
    assert db.session.get(HoursEntry, line.id).minutes == 60  # the original line is untouched
    assert service.balance_of(world.volunteers["v1"].id) == 10 + 5  # 30 minutes at version 1's 10 an hour
    with pytest.raises(ValidationFailed):
        service.correct_hours(user=world.users["staff"], entry_id=line.id, minutes=-91, reason="太多")
    account = service.account(user=world.users["staff"], volunteer_id=world.volunteers["v1"].id)
    assert (account.minutes, account.earned, account.balance) == (90, 15, 15)


def test_a_correction_cannot_take_spent_points_below_zero(world, serve) -> None:
    serve({"v1": 60})
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="毛巾", points_cost=8, stock=3
    )
    service.redeem(user=world.users["volunteer"], item_id=item.id)
    (line,) = _lines(world.volunteers["v1"])
    with pytest.raises(InvalidTransition) as refused:
        service.correct_hours(user=world.users["staff"], entry_id=line.id, minutes=-60, reason="没有来")
    assert refused.value.code == "insufficient_points"


def test_the_database_refuses_a_negative_balance(world, serve) -> None:
    serve({"v1": 60})
    with pytest.raises(IntegrityError):
        db.session.execute(update(PointsBalance).values(points=-1))
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.add(ShopItem(station_id=world.stations["PY"].id, name="x", points_cost=1, stock=-1))
        db.session.flush()
    db.session.rollback()


def test_redemption_moves_stock_and_points_together(world, serve) -> None:
    serve({"v1": 120})  # 20 points
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="洗衣液", points_cost=15, stock=5
    )
    db.session.commit()
    service.redeem(user=world.users["volunteer"], item_id=item.id)
    db.session.commit()
    assert (db.session.get(ShopItem, item.id).stock, service.balance_of(world.volunteers["v1"].id)) == (4, 5)
    with pytest.raises(InvalidTransition) as refused:
        service.redeem(user=world.users["volunteer"], item_id=item.id)
    assert refused.value.code == "insufficient_points"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 4  # the stock taken before the refusal went back
    assert db.session.scalar(db.select(db.func.count(Redemption.id))) == 1


def test_no_redemption_without_stock(world, serve) -> None:
    serve({"v1": 120})
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="米", points_cost=1, stock=1
    )
    service.redeem(user=world.users["volunteer"], item_id=item.id)
    with pytest.raises(InvalidTransition) as refused:
        service.redeem(user=world.users["volunteer"], item_id=item.id)
    assert refused.value.code == "out_of_stock"


def test_volunteers_shop_at_their_station_and_above_only(world, serve) -> None:
    serve({"v1": 120})
    elsewhere = service.create_item(
        user=world.users["staff_b"], station_id=world.stations["PY-CM-01"].id, name="米", points_cost=1, stock=1
    )
    county = service.create_item(
        user=world.users["county"], station_id=world.stations["PY"].id, name="书", points_cost=1, stock=1
    )
    assert [i.id for i in service.list_items(user=world.users["volunteer"])] == [county.id]
    from app.core.errors import NotFound

    with pytest.raises(NotFound):
        service.redeem(user=world.users["volunteer"], item_id=elsewhere.id)
    with pytest.raises(NotFound):
        service.create_item(
            user=world.users["staff"], station_id=world.stations["PY-CM-01"].id, name="x", points_cost=1
        )


def test_cancel_puts_the_item_back_and_refunds(world, serve) -> None:
    serve({"v1": 60})
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="毛巾", points_cost=8, stock=1
    )
    first = service.redeem(user=world.users["volunteer"], item_id=item.id)
    service.cancel_redemption(user=world.users["staff"], redemption_id=first.id)
    db.session.expire_all()
    assert (db.session.get(ShopItem, item.id).stock, service.balance_of(world.volunteers["v1"].id)) == (1, 10)
    second = service.redeem(user=world.users["volunteer"], item_id=item.id)
    service.hand_over(user=world.users["staff"], redemption_id=second.id)
    with pytest.raises(InvalidTransition):
        service.cancel_redemption(user=world.users["staff"], redemption_id=second.id)
    kinds = [e.kind for e in db.session.scalars(db.select(PointsEntry).order_by(PointsEntry.id))]
    assert kinds == ["service", "redemption", "refund", "redemption"]


def test_restock_never_below_zero(world) -> None:
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="米", points_cost=5, stock=2
    )
    assert service.update_item(user=world.users["staff"], item_id=item.id, add_stock=3).stock == 5
    with pytest.raises(ValidationFailed):
        service.update_item(user=world.users["staff"], item_id=item.id, add_stock=-6)


def test_monthly_rankings_of_volunteers_teams_and_stations(world, serve) -> None:
    serve({"v1": 60, "v2": 120})
    serve({"v3": 30}, station="PY-BY")
    serve({"v5": 600}, at=SERVED.replace(month=10))  # another month
    staff = world.users["county"]
    volunteers = service.ranking(user=staff, month="2026-11", kind="volunteers")
    assert [(r.rank, r.code, r.points) for r in volunteers] == [(1, "V2", 20), (2, "V1", 10), (3, "V3", 5)]
    teams = service.ranking(user=staff, month="2026-11", kind="teams")
    assert [(r.code, r.points, r.hours, r.volunteers) for r in teams] == [("T-V-A1", 30, 3.0, 2), ("T-T-A", 5, 0.5, 1)]
    stations = service.ranking(user=staff, month="2026-11", kind="stations")
    assert [r.code for r in stations] == ["PY-BY-01", "PY-BY"]
    # A volunteer sees the county's ranking with names masked.
    seen = service.ranking(user=world.users["volunteer"], month="2026-11", kind="volunteers")
    assert seen[0].name == "志" + "*" * (len(world.volunteers["v2"].name) - 1)
    # Station staff see service given in their scope only.
    assert [r.code for r in service.ranking(user=world.users["staff"], month="2026-11")] == ["V2", "V1"]
    with pytest.raises(ValidationFailed):
        service.ranking(user=staff, month="2026-13")


def test_certificate_counts_net_hours_and_activities_in_the_period(world, serve) -> None:
    serve({"v1": 90})
    serve({"v1": 30}, at=SERVED + timedelta(days=2))
    serve({"v1": 60}, at=SERVED.replace(year=2025))  # before the period
    line = _lines(world.volunteers["v1"])[0]
    service.correct_hours(user=world.users["staff"], entry_id=line.id, minutes=-30, reason="提前离开")
    cert = service.certificate(
        user=world.users["volunteer"],
        volunteer_id=world.volunteers["v1"].id,
        start=SERVED.date().replace(day=1),
        end=SERVED.date().replace(day=30),
    )
    assert (cert.minutes, len(cert.lines), cert.hours) == (90, 2, 1.5)
    from app.incentives.documents import certificate_pdf

    pdf = certificate_pdf(cert)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    from app.core.errors import NotFound

    with pytest.raises(NotFound):  # another volunteer's certificate is not theirs to print
        service.certificate(
            user=world.users["volunteer"],
            volunteer_id=world.volunteers["v2"].id,
            start=SERVED.date(),
            end=SERVED.date(),
        )


def test_subsidy_report_per_volunteer_team_and_station_neutralises_formulas(world, serve) -> None:
    world.volunteers["v2"].name = '=HYPERLINK("http://x")'
    serve({"v1": 90, "v2": 30})
    report = service.subsidy_report(user=world.users["county"], start=SERVED.date(), end=SERVED.date())
    assert [(r.code, r.hours, r.yuan) for r in report.volunteers] == [("V1", 1.5, 15.0), ("V2", 0.5, 5.0)]
    assert [(r.code, r.volunteers, r.yuan) for r in report.teams] == [("T-V-A1", 2, 20.0)]
    import io

    from openpyxl import load_workbook

    from app.incentives.documents import subsidy_xlsx

    book = load_workbook(io.BytesIO(subsidy_xlsx(report)))
    rows = list(book["志愿者"].iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称") and rows[2][1].startswith("'=")
    assert rows[-1][-1] == 20.0
    with pytest.raises(Forbidden):
        service.subsidy_report(user=world.users["volunteer"], start=SERVED.date(), end=SERVED.date())
