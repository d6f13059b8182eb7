"""Engine reasons said as sentences in the reader's language, with the engine's values when it gives them."""

from __future__ import annotations

from flask_babel import force_locale

from app.web.words import UNASSIGNED_SENTENCES, unassigned_sentence
from matching.explain import REASONS


def test_every_engine_reason_code_has_a_sentence() -> None:
    assert set(REASONS) <= set(UNASSIGNED_SENTENCES)


def test_a_reason_with_its_values_names_the_skill_in_the_readers_language(app, world) -> None:
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert unassigned_sentence("no_skill", {"skill": "legal-aid"}) == "还没有志愿者具备“法律咨询”技能。"
            # Without its values the plain sentence is used; an unknown code never shows the engine's English.
            assert unassigned_sentence("no_skill", {}) == "目前还没有志愿者具备这项服务所需的技能。"
            assert unassigned_sentence("a_code_from_a_newer_engine", {}) == "系统暂时还没能派出这张订单。"
        with force_locale("en"):
            assert unassigned_sentence("not_available", {"skill": "elder-care", "duration": 120, "order": "o-1"}) == (
                "No volunteer with the skill “Elder care” is free at the times picked. More times help."
            )
