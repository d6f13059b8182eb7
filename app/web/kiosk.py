"""Kiosk mode for a station tablet: a locked-down session that only places walk-in orders at one station.

Station staff start it from the menu; their own sign-in ends, so the tablet cannot reach staff pages. Orders are
placed in the starting staff member's name (the operator), at that station only. After KIOSK_IDLE_SECONDS without
a touch, a half-filled order is dropped and the tablet returns to the menu; leaving needs the operator's password.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, redirect, request, session, url_for

from app.accounts.access import in_scope
from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.stations.models import Station

_KEY = "kiosk"
# What a kiosk may open: the menu, the order steps, the slip after ordering, leaving, the language switch, assets.
ALLOWED_ENDPOINTS = {
    "menu_views.kiosk",
    "menu_views.order",
    "menu_views.confirm",
    "menu_views.kiosk_slip",
    "menu_views.kiosk_exit",
    "orders_views.public_status",
    "static",
}


def start(*, operator: User, station: Station) -> None:
    """Turn this browser session into a kiosk for a station, operated by a station staff member."""
    session[_KEY] = {"station_id": station.id, "operator_id": operator.id, "seen": utcnow().isoformat()}


def stop() -> None:
    """Leave kiosk mode (the language walk-ins chose goes too: the operator reads theirs again)."""
    session.pop(_KEY, None)
    session.pop("order_draft", None)
    session.pop("lang", None)


def active() -> bool:
    """Whether this session is a kiosk."""
    return bool(session.get(_KEY))


def operator() -> User | None:
    """The staff member the kiosk orders for, while they are still an active staff member of the station."""
    if "kiosk_operator" in g:
        return g.kiosk_operator
    state = session.get(_KEY) or {}
    user = db.session.get(User, state.get("operator_id") or -1)
    if user is None or not user.active or not in_scope(user, "kiosk.run", state.get("station_id") or -1):
        user = None
    g.kiosk_operator = user
    return user


def station() -> Station | None:
    """The kiosk's station, or None outside kiosk mode."""
    if not active():
        return None
    found = db.session.get(Station, (session.get(_KEY) or {}).get("station_id") or -1)
    return found if found is not None and found.active else None


def idle_seconds() -> int:
    """How long a kiosk waits without a touch before returning to the menu."""
    return int(current_app.config["KIOSK_IDLE_SECONDS"])


def lock_down():
    """Before every request in a kiosk session: keep it on its few pages and return to the menu when idle."""
    g.pop("kiosk_operator", None)
    if not active():
        return None
    if operator() is None or station() is None:
        # The operator lost their role or the station closed: the kiosk ends.
        stop()
        return redirect(url_for("web.home"))
    state = session[_KEY]
    now = utcnow()
    try:
        seen = datetime.fromisoformat(state.get("seen", ""))
    except ValueError:
        seen = now
    state["seen"] = now.isoformat()
    session[_KEY] = state
    menu = url_for("menu_views.kiosk")
    if (now - seen).total_seconds() > idle_seconds():
        session.pop("order_draft", None)
        if request.endpoint not in ("menu_views.kiosk", "static"):
            return redirect(menu)
    if request.endpoint not in ALLOWED_ENDPOINTS:
        return redirect(menu)
    return None
