"""Staff administration pages: accounts, teams, the volunteer register and its import."""

from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.volunteers.models import Team


def _new_user_form(world, **changes: object) -> dict:
    """The new-account form, filled in for a station staff member of 草庙."""
    form = {"username": "wang.li", "display_name": "王丽", "role": "station_staff", "password": "long-enough-1"}
    return {**form, "scope_station_id": world.stations["PY-CM"].id, **changes}


def test_user_pages_create_edit_and_reset(pages, world) -> None:
    pages.login("county")
    listing = pages.get("/admin/users?q=lead")
    assert listing.status_code == 200
    assert "lead_v" in listing.get_data(as_text=True) and "staff_b" not in listing.get_data(as_text=True)
    created = pages.post("/admin/users/new", data=_new_user_form(world))
    assert created.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "wang.li"))
    assert user.scope_station_id == world.stations["PY-CM"].id
    edited = pages.post(
        f"/admin/users/{user.id}",
        data={
            "display_name": "王丽",
            "role": "station_staff",
            "scope_station_id": world.stations["PY-CM-01"].id,
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.scope_station_id == world.stations["PY-CM-01"].id and user.active is False
    reset = pages.post(f"/admin/users/{user.id}/password-reset")
    assert reset.status_code == 200
    assert 'data-testid="new-password"' in reset.get_data(as_text=True)


def test_user_page_refuses_a_taken_username_on_the_form(pages, world) -> None:
    pages.login("county")
    form = _new_user_form(world, username="staff", role="volunteer", scope_station_id=world.stations["PY-BY-01"].id)
    response = pages.post("/admin/users/new", data=form)
    assert response.status_code == 200
    assert "该用户名已被使用" in response.get_data(as_text=True)


def test_a_team_with_open_work_cannot_be_deactivated(client, world, token_for, make_order) -> None:
    make_order("accepted")
    team = world.teams["T-V-A1"].id
    response = client.patch(f"/api/v1/teams/{team}", json={"active": False}, headers=token_for("county"))
    assert response.status_code == 409
    assert db.session.get(Team, team).active is True
    idle = world.teams["T-C"].id
    assert client.patch(f"/api/v1/teams/{idle}", json={"active": False}, headers=token_for("county")).status_code == 200
    assert db.session.get(Team, idle).active is False


def test_changes_to_accounts_and_teams_are_audited_and_shown(pages, world) -> None:
    from app.audit.models import AuditEntry

    pages.login("county")
    staff = world.users["staff"]
    pages.post(
        f"/admin/users/{staff.id}",
        data={
            "display_name": "站点小李",
            "role": "station_staff",
            "scope_station_id": staff.scope_station_id,
            "active": "y",
        },
    )
    pages.post(f"/teams/{world.teams['T-V-A1'].id}/members", data={"m-add_codes": "V3"})
    entries = {e.action: e for e in db.session.scalars(db.select(AuditEntry))}
    assert entries["account.changed"].details == {"display_name": "staff → 站点小李"}
    assert entries["account.changed"].actor_username == "county"
    assert entries["team.members_changed"].details["added"] == "V3"
    page = pages.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "账号已修改" in page and "staff → 站点小李" in page
    team_page = pages.get(f"/teams/{world.teams['T-V-A1'].id}/edit").get_data(as_text=True)
    assert "队员变动" in team_page and "V3" in team_page


def test_the_volunteer_register_pages_through_hundreds(pages, world) -> None:
    from app.volunteers.models import Volunteer

    db.session.add_all(
        Volunteer(code=f"P{i:03d}", name=f"志愿者{i}", station_id=world.stations["PY-BY-01"].id) for i in range(120)
    )
    db.session.commit()
    pages.login("town")
    second = pages.get("/volunteers?q=P&page=2").get_data(as_text=True)
    assert "共 120 名志愿者" in second and "第 2 页，共 3 页" in second
    assert 'rel="prev"' in second and 'rel="next"' in second and "P050" in second and "P049" not in second
    assert "q=P" in second.split('rel="next"')[0].rsplit("href=", 1)[1]  # the search is kept across pages


def test_a_page_number_past_any_database_integer_is_an_empty_page(pages, world) -> None:
    pages.login("county")
    for path in ("/admin/users", "/volunteers"):
        response = pages.get(f"{path}?page={10**20}&state=active")
        assert response.status_code == 200, path
        assert 'data-testid="total"' in response.get_data(as_text=True)
