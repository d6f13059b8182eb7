"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from app.core.masking import mask_phone
from app.core.timeutil import to_local, utcnow


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware datetime in Asia/Shanghai."""
    if moment is None:
        return ""
    return to_local(moment).strftime(fmt)


def install_template_helpers(app: Flask) -> None:
    """Register filters and globals."""
    from flask_babel import get_locale

    app.add_template_filter(local_time, "localtime")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(utcnow, "now_utc")
