"""Error messages on pages, in the reader's language."""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import HTTPException

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

# Service messages with a value in them: (pattern with named groups, translated template using those names).
_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (
        re.compile(r"^an order that is (?P<status>\w+) cannot be .+$"),
        lazy_gettext("An order in this state (%(status)s) cannot be changed this way."),
    ),
    (
        re.compile(r"^the window is shorter than the service \((?P<minutes>\d+) minutes\)$"),
        lazy_gettext("A time you picked is shorter than the service (%(minutes)s minutes)."),
    ),
    (re.compile(r"^a demand that is \w+ cannot .+$"), lazy_gettext("This demand cannot take that step now.")),
    (re.compile(r"^role \w+ may not do this$"), lazy_gettext("Your role may not do this.")),
    (re.compile(r"^unknown tag .+$"), lazy_gettext("Please choose tags from the list.")),
    (
        re.compile(r"^(?:menu item|team|volunteer|station) code .+ is taken$"),
        lazy_gettext("This code is already used; choose another."),
    ),
    (
        re.compile(r"^the proposal is already (?P<status>\w+)$"),
        lazy_gettext("This proposal has already been answered (%(status)s)."),
    ),
    (
        re.compile(r"^(?P<name>.+) is already rostered at that time \(order (?P<code>\S+)\); swap them first$"),
        lazy_gettext("%(name)s is already rostered at that time (order %(code)s); swap them first."),
    ),
    (
        re.compile(r"^the replacement lacks the skill (?P<skill>\S+)$"),
        lazy_gettext("The replacement lacks the skill this crew place needs."),
    ),
]


def domain_message(message: str) -> str:
    """A service's (English) message in the reader's language."""
    translated = gettext(message)
    if translated != message:
        return translated
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            from app.web.helpers import STATUS_LABELS

            values = match.groupdict()
            if "status" in values:
                values["status"] = str(STATUS_LABELS.get(values["status"], values["status"]))
            return str(template) % values if values else str(template)
    return message


def http_message(error: HTTPException) -> str:
    """A readable message for an HTTP error page."""
    from flask_wtf.csrf import CSRFError

    if isinstance(error, CSRFError):
        return str(_CSRF_MESSAGE)
    return str(_HTTP_MESSAGES.get(error.code or 500, _HTTP_MESSAGES[500]))


def unexpected_message() -> str:
    """The message for an unexpected error."""
    return str(_HTTP_MESSAGES[500])
