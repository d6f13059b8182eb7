"""Staff administer accounts in their own subtree: create, role, scope, deactivate, reset password."""

from __future__ import annotations

from app.accounts.models import User
from app.extensions import db


def _new(client, headers, **fields):
    body = {"username": "newbie", "password": "long-enough-1", "display_name": "新人", "role": "volunteer"}
    body.update(fields)
    return client.post("/api/v1/users", json=body, headers=headers)


def test_township_staff_create_an_account_inside_their_township(client, world, token_for) -> None:
    village = world.stations["PY-BY-02"].id
    response = _new(client, token_for("town"), scope_station_id=village)
    assert response.status_code == 201, response.get_json()
    user = db.session.get(User, response.get_json()["id"])
    assert (user.role, user.scope_station_id, user.display_name) == ("volunteer", village, "新人")
    assert user.check_password("long-enough-1")


def test_staff_cannot_create_outside_their_subtree_or_above_their_role(client, world, token_for) -> None:
    headers = token_for("town")
    outside = _new(client, headers, scope_station_id=world.stations["PY-CM-01"].id)
    assert outside.status_code == 422
    assert "scope_station_id" in outside.get_json()["errors"]
    above = _new(client, headers, role="county_staff", scope_station_id=world.stations["PY-BY"].id)
    assert above.status_code == 403
    admin = _new(client, token_for("county"), role="admin", scope_station_id=None)
    assert admin.status_code == 403
    assert db.session.scalar(db.select(User).where(User.username == "newbie")) is None


def test_user_list_is_scoped_searched_and_paged(client, world, token_for) -> None:
    response = client.get("/api/v1/users?per_page=2", headers=token_for("town"))
    assert response.status_code == 200
    page = response.get_json()
    # The township's subtree holds town, staff, resident, lead_v, lead_t and volunteer; not staff_b or county.
    assert page["total"] == 6
    assert page["pages"] == 3 and len(page["items"]) == 2
    names = {
        u["username"] for u in client.get("/api/v1/users?per_page=50", headers=token_for("town")).get_json()["items"]
    }
    assert "staff_b" not in names and "county" not in names
    found = client.get("/api/v1/users?q=LEAD&role=team_lead", headers=token_for("admin")).get_json()
    assert {u["username"] for u in found["items"]} == {"lead_v", "lead_t", "lead_c"}
    assert client.get("/api/v1/users", headers=token_for("volunteer")).status_code == 403


def test_out_of_scope_user_is_not_found(client, world, token_for) -> None:
    other = world.users["staff_b"].id
    assert client.get(f"/api/v1/users/{other}", headers=token_for("town")).status_code == 404
    assert client.patch(f"/api/v1/users/{other}", json={"active": False}, headers=token_for("town")).status_code == 404


def test_deactivating_signs_the_user_out_and_blocks_sign_in(client, world, token_for) -> None:
    victim = token_for("staff")
    response = client.patch(
        f"/api/v1/users/{world.users['staff'].id}", json={"active": False}, headers=token_for("town")
    )
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=victim).status_code == 401
    login = client.post("/api/v1/auth/token", json={"username": "staff", "password": "pass-1234"})
    assert login.status_code == 401


def test_nobody_changes_their_own_role_or_outranks_themselves(client, world, token_for) -> None:
    me = world.users["town"].id
    own = client.patch(f"/api/v1/users/{me}", json={"role": "county_staff"}, headers=token_for("town"))
    assert own.status_code == 422
    promote = client.patch(
        f"/api/v1/users/{world.users['staff'].id}", json={"role": "county_staff"}, headers=token_for("town")
    )
    assert promote.status_code == 403
    assert db.session.get(User, world.users["staff"].id).role == "station_staff"
