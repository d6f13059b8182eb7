"""Error messages on pages, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError

_HTTP_MESSAGES = {
    400: lazy_gettext("The request could not be understood. Go back and try again."),
    401: lazy_gettext("Please sign in to see this page."),
    403: lazy_gettext("Your role may not open this page or do this."),
    404: lazy_gettext("We could not find this page. It may have moved or be outside your area."),
    405: lazy_gettext("This page cannot be used this way."),
    413: lazy_gettext("What you sent is too large."),
    422: lazy_gettext("Something you entered cannot be used (e.g. a hidden control character). Please check it."),
    429: lazy_gettext("Too many attempts. Please wait a few minutes and try again."),
    500: lazy_gettext("Something went wrong on our side. Please try again in a moment."),
}
_CSRF_MESSAGE = lazy_gettext("The form has expired or was sent from another page. Go back, reload it and try again.")


# Parameter name -> {code: label}: each domain's page module names the codes its refusals carry, so a page never
# shows a raw state code inside a translated sentence.
PARAM_LABELS: dict[str, Mapping[str, Any]] = {}


def label_params(name: str, labels: Mapping[str, Any]) -> None:
    """Show a refusal parameter's codes through these (lazy) labels on pages."""
    PARAM_LABELS[name] = labels


def _display_params(params: dict) -> dict:
    """Parameter values as the reader should see them: statuses and roles translated, skills by name."""
    from app.web.helpers import ROLE_LABELS, STATUS_LABELS

    shown = dict(params)
    for key, labels in PARAM_LABELS.items():
        if key in shown and shown[key] in labels:
            label = labels[shown[key]]
            # Plain message ids (N_) are translated here; lazy labels translate themselves.
            shown[key] = gettext(label) if isinstance(label, str) else str(label)
    for key in ("status", "to_status"):
        if key in shown:
            shown[key] = str(STATUS_LABELS.get(shown[key], shown[key]))
    if "role" in shown:
        shown["role"] = str(ROLE_LABELS.get(shown["role"], shown["role"]))
    if "skill" in shown:
        from app.extensions import db
        from app.menu.models import Skill
        from app.web.helpers import localized

        skill = db.session.scalar(db.select(Skill).where(Skill.code == shown["skill"]))
        if skill is not None:
            shown["skill"] = localized(skill)
    return shown


def domain_message(error: DomainError | str) -> str:
    """A service's refusal in the reader's language: its message id translated, then its parameters filled in."""
    if isinstance(error, str):
        return gettext(error)
    translated = gettext(error.template)
    if not error.params:
        return translated
    try:
        return translated % _display_params(error.params)
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not hide the refusal: fall back to the English text.
        return error.message


def http_message(error: HTTPException) -> str:
    """A readable message for an HTTP error page."""
    from flask_wtf.csrf import CSRFError

    if isinstance(error, CSRFError):
        return str(_CSRF_MESSAGE)
    return str(_HTTP_MESSAGES.get(error.code or 500, _HTTP_MESSAGES[500]))


def unexpected_message() -> str:
    """The message for an unexpected error."""
    return str(_HTTP_MESSAGES[500])
