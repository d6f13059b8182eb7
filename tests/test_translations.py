"""Both catalogs complete: every message id the code and templates use has a Chinese translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _extract(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "-k", "N_", "--no-location", "-o", str(pot), str(ROOT / "app")],
        check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_message_id_has_a_chinese_translation(tmp_path: Path) -> None:
    used = _extract(tmp_path)
    with CATALOG.open("rb") as handle:
        chinese = read_po(handle)
    untranslated = []
    for message in used:
        if not message.id:
            continue
        found = chinese.get(message.id)
        if found is None or not found.string or found.fuzzy:
            untranslated.append(message.id)
    assert untranslated == [], f"{len(untranslated)} message ids lack a Chinese translation: {untranslated[:20]}"


def test_translations_keep_their_placeholders() -> None:
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    with CATALOG.open("rb") as handle:
        chinese = read_po(handle)
    broken = [
        m.id
        for m in chinese
        if m.id and m.string and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))
    ]
    assert broken == []


def test_each_message_id_is_translated_once() -> None:
    """A second entry for the same id silently wins over the first, so one of two meanings is lost."""
    import re
    from collections import Counter

    entry = re.compile(r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)*)"$', re.MULTILINE)
    counts = Counter(entry.findall(CATALOG.read_text(encoding="utf-8")))
    assert [key for key, count in counts.items() if count > 1 and key[1]] == []
