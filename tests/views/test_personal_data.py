"""Phones encrypted at rest, masked, shown in full only to the accepted crew's lead and audited (issue 13 row 11)."""

from __future__ import annotations

from sqlalchemy import text

from app.audit.models import AuditEntry
from app.core import crypto
from app.maintenance.keys import encrypted_columns, rotate_all
from app.orders.models import Resident


def test_phones_are_ciphertext_in_the_database(db, world, make_order) -> None:
    make_order("submitted")
    stored = db.session.execute(text("SELECT phone FROM residents")).scalar_one()
    assert "13900000000" not in stored and stored.startswith("gAAAAA")
    assert db.session.scalar(db.select(Resident.phone)) == "13900000000"
    assert ("residents", "phone") in encrypted_columns() and ("users", "phone") in encrypted_columns()


def test_rotation_re_encrypts_under_the_new_first_key(app, db, world, make_order) -> None:
    make_order("submitted")
    old_keys = list(app.config["DATA_KEYS"])
    new_key = crypto.generate_key()
    try:
        crypto.configure([new_key, *old_keys])
        assert rotate_all()["residents.phone"] == 1
        db.session.commit()
        crypto.configure([new_key])  # the old key is gone: the value must now be readable under the new one alone
        stored = db.session.execute(text("SELECT phone FROM residents")).scalar_one()
        assert crypto.decrypt_text(stored) == "13900000000"
    finally:
        crypto.configure(old_keys)


def test_api_shows_phones_masked(client, world, make_order, token_for) -> None:
    order_id = make_order("accepted")
    body = client.get(f"/api/v1/orders/{order_id}", headers=token_for("staff")).get_json()
    assert body["resident_phone"] == "139****0000"
    assert "13900000000" not in str(body)


def test_only_the_accepted_leads_reveal_is_allowed_and_audited(client, db, world, make_order, token_for) -> None:
    order_id = make_order("accepted")
    for who in ("staff", "county", "volunteer", "lead_t"):
        response = client.get(f"/api/v1/orders/{order_id}/resident-phone", headers=token_for(who))
        assert response.status_code in (403, 404), who
    shown = client.get(f"/api/v1/orders/{order_id}/resident-phone", headers=token_for("lead_v"))
    assert shown.status_code == 200 and shown.get_json() == {"phone": "13900000000", "masked": "139****0000"}
    unmasks = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "phone.unmask")).all()
    assert [(e.actor_username, e.target_id) for e in unmasks] == [("lead_v", str(order_id))]


def test_no_reveal_once_the_order_is_over(client, world, make_order, token_for) -> None:
    order_id = make_order("completed")
    assert client.get(f"/api/v1/orders/{order_id}/resident-phone", headers=token_for("lead_v")).status_code == 403


def test_order_page_masks_and_the_lead_reveals(pages, db, world, make_order) -> None:
    order_id = make_order("accepted")
    pages.login("staff")
    staff_page = pages.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "139****0000" in staff_page and "13900000000" not in staff_page and "reveal-phone" not in staff_page
    pages.login("lead_v")
    lead_page = pages.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "139****0000" in lead_page and "显示完整号码" in lead_page
    revealed = pages.post(f"/orders/{order_id}/phone")
    assert revealed.status_code == 200 and 'href="tel:13900000000"' in revealed.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "phone.unmask")) == 1
