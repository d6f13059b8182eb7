"""Locale and timezone selection for Flask-Babel: Chinese first, English as a switch."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from app.core.timeutil import LOCAL_TZ_NAME


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's preference, then Chinese.

    The browser's language is deliberately not consulted: station kiosks and borrowed phones are often set
    to English, and the people using them read Chinese; English is a switch, not a guess.
    """
    languages: list[str] = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every time is shown in Asia/Shanghai."""
    return LOCAL_TZ_NAME


def remember_chosen_locale() -> None:
    """before_request: the language a signed-in user switches to becomes their account's, so messages follow it;
    an account that never chose takes the one its session was already in (chosen before signing up or in).

    A kiosk is not its operator: walk-ins switching its language leave the staff member's account alone.
    """
    from app.web import kiosk

    languages: list[str] = current_app.config["LANGUAGES"]
    if not getattr(current_user, "is_authenticated", False) or kiosk.active():
        return
    asked = request.args.get("lang")
    if asked in languages:
        chosen = asked
    elif current_user.locale is None and session.get("lang") in languages:
        chosen = session["lang"]
    else:
        return
    if current_user.locale != chosen:
        current_user.locale = chosen
