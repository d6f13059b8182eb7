"""English mode says everything in English: walking every page each role can reach finds no Chinese literal.

Chinese that comes from the data (names of people, stations, teams, menu items without an English title) may
stay; anything else in Chinese is a literal that missed Babel or reference data without its English name.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import JSON, String, Text

from app.extensions import db as _db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
VOID_TAGS = ("br", "input", "img", "meta", "link", "hr", "source", "wbr")
SKIP_LINKS = re.compile(r"^/(api/|static/|vendor/|logout)|\.(ics|csv|xlsx|json|geojson)(\?|$)|/export|/feed")


class _Text(HTMLParser):
    """The visible text of a page and its local links, leaving out what is marked as Chinese on purpose."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "a" and (values.get("href") or "").startswith("/"):
            self.links.append(values["href"])
        # A textarea holds data being edited (such as a menu item's Chinese description), not page words.
        hidden = tag in ("script", "style", "textarea") or (values.get("lang") or "").startswith("zh")
        inside_hidden = bool(self._skip) and tag not in VOID_TAGS
        if hidden or inside_hidden:
            self._skip.append(tag)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if values.get(name) and not self._skip:
                self.parts.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _english_of(name: str) -> str:
    return name[: -len("_zh")] + "_en" if name.endswith("_zh") else name + "_en"


def _data_strings() -> list[str]:
    """Every string the database holds (names, addresses ...), except Chinese that has an English name beside it."""
    found: list[str] = []
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            names = [c.name for c in columns]
            for row in conn.execute(_db.select(*columns)):
                values = dict(zip(names, row, strict=True))
                for name, value in values.items():
                    if value and not values.get(_english_of(name)) and not name.endswith("_en"):
                        found.append(str(value))
    return found


def _walk(pages, start: list[str], limit: int = 60) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0).split("#")[0]
        key = re.sub(r"[?&]lang=\w+", "", path)
        if not path or key in seen or SKIP_LINKS.search(path):
            continue
        response = pages.get(path + ("&" if "?" in path else "?") + "lang=en")
        if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/"):
            queue.append(response.headers["Location"])
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            seen[key] = ""
            continue
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        seen[key] = " ".join(parser.parts)
        queue.extend(link for link in parser.links if link not in seen)
    return seen


@pytest.mark.parametrize("role", [None, "resident", "staff", "volunteer", "lead_v", "county", "admin"])
def test_no_chinese_literal_in_english_mode(pages, world, make_order, role: str | None) -> None:
    make_order("completed")
    make_order("submitted")
    pages.get("/?lang=en")
    if role:
        pages.login(role)
    walked = _walk(pages, ["/", "/login", "/login/phone"] if role is None else ["/"])
    assert len([text for text in walked.values() if text]) >= (3 if role is None else 4)
    data = _data_strings()
    literals: dict[str, set[str]] = {}
    for path, text in walked.items():
        for run in CJK.findall(text):
            if not any(run in value for value in data):
                literals.setdefault(run, set()).add(path)
    assert literals == {}, {run: sorted(paths)[:3] for run, paths in literals.items()}
