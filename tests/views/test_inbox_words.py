"""The lead's inbox: names not codes, no 'unusual team' for a station's own team, the decline and swap forms."""

from __future__ import annotations

import re

from app.dispatch.models import Proposal
from app.extensions import db as _db
from tests.factories import make_volunteer


def _pending(order_id: int) -> Proposal:
    return _db.session.scalar(_db.select(Proposal).where(Proposal.order_id == order_id))


def test_why_this_team_names_people_and_spares_a_village_team_at_home(pages, world, make_order) -> None:
    proposal = _pending(make_order("dispatched"))
    crew = [m.volunteer for m in proposal.crew]
    # As an older run might have stored it: a repeat-team cost for the village team at its own station.
    explanation = dict(proposal.explanation or {})
    explanation["cost_terms"] = [
        *explanation.get("cost_terms", []),
        {"name": "repeat_team", "value": 0.5, "volunteer": None},
    ]
    proposal.explanation = explanation
    _db.session.commit()
    pages.login("lead_v")
    body = pages.get("/inbox").get_data(as_text=True)
    why = body[body.index('class="why"') : body.index("</details>", body.index('class="why"'))]
    for volunteer in crew:
        assert f"<td>{volunteer.code}</td>" not in why
    assert any(f"<td>{volunteer.name}</td>" in why for volunteer in crew)
    assert "不是该站点常合作的队伍" not in why and "Not the station's usual team" not in why


def test_the_swap_list_offers_only_members_with_the_skill(pages, world, make_order) -> None:
    village, station = world.teams["T-V-A1"], world.stations["PY-BY-01"]
    skilled = make_volunteer("V7", village, station, ["elder-care"])
    unskilled = make_volunteer("V8", village, station, ["mediation"])
    _db.session.commit()
    proposal = _pending(make_order("dispatched"))
    pages.login("lead_v")
    body = pages.get("/inbox").get_data(as_text=True)
    options = re.search(r'data-testid="swap-pairs">(.*?)</select>', body, re.S).group(1)
    assert f':{skilled.id}"' in options and f':{unskilled.id}"' not in options
    out_id = proposal.crew[0].volunteer_id
    pages.post(f"/proposals/{proposal.id}/swap", data={"pair": f"{out_id}:{skilled.id}"})
    _db.session.expire_all()
    assert skilled.id in {m.volunteer_id for m in _pending(proposal.order_id).crew}


def test_decline_keeps_the_chosen_reason_with_the_leads_words(pages, world, make_order) -> None:
    proposal = _pending(make_order("dispatched"))
    pages.login("lead_v")
    pages.post(f"/proposals/{proposal.id}/decline", data={"preset": "路程太远", "reason": "桥断了"})
    declined = _db.session.get(Proposal, proposal.id)
    assert (
        declined.status == "declined" and "路程太远" in declined.decline_reason and "桥断了" in declined.decline_reason
    )


def test_county_staff_have_the_inbox_in_their_navigation(pages, world) -> None:
    pages.login("county")
    body = pages.get("/dashboard").get_data(as_text=True)
    nav = body[body.index('<nav class="nav"') : body.index("</nav>", body.index('<nav class="nav"'))]
    assert 'href="/inbox"' in nav
