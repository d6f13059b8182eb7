"""Access logs without secrets: feed tokens and other credentials in URLs are replaced before a line is written."""

from __future__ import annotations

import logging
import re

# ?token=... (calendar feeds), and any password/key a client put in a query string by mistake.
_SECRET_IN_URL = re.compile(r"(?i)\b(token|password|api_key|key|secret)=[^&\s\"']+")
REDACTED = r"\1=[redacted]"
# The dev server's and gunicorn's access loggers.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """The text with credential values in query strings replaced."""
    return _SECRET_IN_URL.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message and arguments (gunicorn passes its atoms as a dict) before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(v) if isinstance(v, str) else v for v in record.args)
        return True


def install_access_log_filter() -> None:
    """Attach the filter to the access loggers once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretsFilter) for f in logger.filters):
            logger.addFilter(RedactSecretsFilter())
