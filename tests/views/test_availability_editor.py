"""The weekly availability editor: half-day toggles per weekday, other times per day, stored as weekly intervals."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

from app.extensions import db as _db
from app.volunteers.models import AvailabilitySlot, Volunteer
from app.volunteers.service import half_days_matching


class _Form(HTMLParser):
    """The fields a browser would post from the page unchanged (checked boxes, filled inputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.open_details = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        attributes = dict(attrs)
        if tag == "details" and "open" in attributes:
            self.open_details += 1
        if tag != "input" or not attributes.get("name"):
            return
        if attributes.get("type") == "checkbox":
            if "checked" in attributes:
                self.fields.append((attributes["name"], attributes.get("value") or "on"))
        elif attributes.get("value"):
            self.fields.append((attributes["name"], attributes["value"]))


def _page_form(pages) -> _Form:  # noqa: ANN001
    form = _Form()
    form.feed(pages.get("/me/availability").get_data(as_text=True))
    return form


def _slots(world) -> list[tuple[int, int, int]]:  # noqa: ANN001
    volunteer = _db.session.get(Volunteer, world.volunteers["v1"].id)
    _db.session.refresh(volunteer)
    return [(s.weekday, s.start_minute, s.end_minute) for s in volunteer.availability]


def _store(world, slots: list[tuple[int, int, int]]) -> None:  # noqa: ANN001
    volunteer = _db.session.get(Volunteer, world.volunteers["v1"].id)
    volunteer.availability = [AvailabilitySlot(weekday=d, start_minute=s, end_minute=e) for d, s, e in slots]
    _db.session.commit()


def test_half_days_match_only_an_exact_union() -> None:
    assert half_days_matching([]) == frozenset()
    assert half_days_matching([(480, 720)]) == {"am"}
    assert half_days_matching([(840, 1080), (1080, 1260)]) == {"pm", "ev"}
    assert half_days_matching([(840, 1260)]) == {"pm", "ev"}
    assert half_days_matching([(540, 1020)]) is None
    assert half_days_matching([(480, 720), (1080, 1200)]) is None


def test_ticked_half_days_are_stored_as_weekly_intervals(pages, world) -> None:
    pages.login("volunteer")
    data = {"half-0": ["am", "pm"], "half-1": ["pm", "ev"], "half-6": ["ev", "nonsense"]}
    assert pages.post("/me/availability", data=data).status_code == 302
    assert _slots(world) == [(0, 480, 720), (0, 840, 1080), (1, 840, 1260), (6, 1080, 1260)]


def test_other_times_are_added_to_the_half_days_of_that_day(pages, world) -> None:
    pages.login("volunteer")
    data = {"half-2": ["am"], "slot-2-0-start": "11:00", "slot-2-0-end": "13:30", "slot-4-1-start": "06:00",
            "slot-4-1-end": "07:00"}  # fmt: skip
    assert pages.post("/me/availability", data=data).status_code == 302
    assert _slots(world) == [(2, 480, 810), (4, 360, 420)]


def test_stored_half_days_show_ticked_and_saving_unchanged_keeps_them(pages, world) -> None:
    _store(world, [(0, 480, 720), (3, 840, 1260)])
    pages.login("volunteer")
    form = _page_form(pages)
    assert ("half-0", "am") in form.fields and ("half-3", "pm") in form.fields and ("half-3", "ev") in form.fields
    assert not any(name.startswith("slot-") for name, _ in form.fields) and form.open_details == 0
    assert pages.post("/me/availability", data=MultiDict(form.fields)).status_code == 302
    assert _slots(world) == [(0, 480, 720), (3, 840, 1260)]


def test_times_the_toggles_cannot_say_show_as_other_times_and_survive_a_save(pages, world) -> None:
    stored = [(1, 540, 1020), (5, 0, 60), (5, 480, 720), (5, 1320, 1440), (5, 780, 800), (5, 900, 910)]
    _store(world, stored)
    pages.login("volunteer")
    form = _page_form(pages)
    assert not any(name.startswith("half-") for name, _ in form.fields)
    assert ("slot-1-0-start", "09:00") in form.fields and ("slot-5-4-end", "24:00") in form.fields
    assert form.open_details == 2
    assert pages.post("/me/availability", data=MultiDict(form.fields)).status_code == 302
    assert _slots(world) == sorted(stored)


def test_a_refused_save_shows_what_was_ticked(pages, world) -> None:
    pages.login("volunteer")
    response = pages.post(
        "/me/availability", data={"half-0": ["ev"], "slot-0-0-start": "12:00", "slot-0-0-end": "08:00"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'aria-invalid="true"' in body
    shown = _Form()
    shown.feed(body)
    assert [f for f in shown.fields if f[0].startswith(("half-", "slot-"))] == [
        ("half-0", "ev"),
        ("slot-0-0-start", "12:00"),
        ("slot-0-0-end", "08:00"),
    ]
    assert len(_slots(world)) == 7
