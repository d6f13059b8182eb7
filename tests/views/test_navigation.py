"""Every role's navigation reaches its pages, including rosters and the scheduler."""

from __future__ import annotations


def _nav(client, username: str) -> str:
    client.post("/login", data={"username": username, "password": "pass-1234"})
    return client.get("/orders").get_data(as_text=True)


def test_county_staff_see_the_scheduler_link(client, world) -> None:
    assert "/admin/scheduler/" in _nav(client, "county")


def test_volunteers_see_their_roster_but_not_the_scheduler(client, world) -> None:
    page = _nav(client, "volunteer")
    assert "/rosters/" in page
    assert "/admin/scheduler/" not in page


def test_lead_without_volunteer_record_gets_no_dead_links(client, world) -> None:
    page = _nav(client, "lead_t")  # leads the township team but is not a registered volunteer
    assert "/me/availability" not in page
    assert "/inbox" in page
