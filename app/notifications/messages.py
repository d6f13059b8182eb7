"""The texts residents, leads and volunteers receive: English message ids, rendered in each recipient's language.

Most people served read Chinese, the default locale; an account that chose English gets English. Values that read
differently per language (times, names with an English form, phrases) are passed as such and rendered with the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, gettext

from app.core.timeutil import to_local


def N_(message: str) -> str:  # noqa: N802
    """Mark a message id for extraction; it is translated when rendered."""
    return message


@dataclass(frozen=True)
class Words:
    """A name kept in Chinese and (maybe) English, such as a menu item's title: the recipient's form is used."""

    zh: str
    en: str = ""


@dataclass(frozen=True)
class Phrase:
    """A translated phrase with its own values, to go inside a message."""

    message_id: str
    values: dict[str, object] = field(default_factory=dict)


# kind -> (subject, body); bodies are %-templates over the values each caller passes.
TEMPLATES: dict[str, tuple[str, str]] = {
    "login_code": (
        N_("Diandan sign-in code"),
        N_("Your code is %(code)s. It works for %(minutes)s minutes. Do not tell it to anyone."),
    ),
    "order_accepted": (
        N_("Your order has been accepted"),
        N_("Your order “%(item)s” (%(code)s) at %(station)s was accepted by %(team)s. Service time: %(start)s."),
    ),
    "order_expired": (
        N_("Your order has lapsed"),
        N_(
            "Sorry: your order “%(item)s” (%(code)s) at %(station)s could not be served in the times you picked "
            "and has lapsed. You are welcome to order again."
        ),
    ),
    "order_cancelled": (
        N_("Your order has been cancelled"),
        N_("Your order “%(item)s” (%(code)s) at %(station)s has been cancelled. %(reason)s"),
    ),
    "order_completed": (
        N_("Service done: please rate it"),
        N_("“%(item)s” (%(code)s) has been served. Please rate the service."),
    ),
    "job_cancelled": (
        N_("Service job cancelled"),
        N_("“%(item)s” (%(code)s) at %(station)s on %(start)s has been cancelled; no need to go."),
    ),
    "proposal_new": (
        N_("New order to answer"),
        N_(
            "%(team)s has a new order: “%(item)s” (%(code)s) at %(station)s, time: %(start)s. "
            "Please accept or give a reason by %(deadline)s."
        ),
    ),
    "roster_published": (
        N_("Roster published"),
        N_("The roster of %(owner)s for %(week)s (version %(version)s) is published: %(summary)s."),
    ),
    "reminder": (
        N_("Service tomorrow"),
        N_("Reminder: “%(item)s” (%(code)s) at %(station)s (%(address)s) on %(start)s; your part: %(skill)s."),
    ),
    "visit_reminder": (
        N_("Household visits tomorrow"),
        N_(
            "Reminder: household visits for “%(campaign)s” at %(station)s from %(start)s, %(n)s households. "
            "Your route is on the My visits page."
        ),
    ),
    "demand_due_soon": (
        N_("A deliberation demand is due soon"),
        N_("The demand “%(title)s” at %(station)s is due on %(due)s. Please finish it in time and report back."),
    ),
    "demand_overdue": (
        N_("A deliberation demand is overdue"),
        N_(
            "The demand “%(title)s” at %(station)s was due on %(due)s and is overdue. "
            "Please deal with it soon and report back to the residents."
        ),
    ),
}


# Phrases that go inside messages.
PHRASES = (
    N_("%(n)s services"),
    N_("%(added)s added, %(removed)s cancelled, %(changed)s changed"),
)


def phrase(message_id: str, locale: str | None = None, **values: object) -> str:
    """A phrase for inside a message, in the recipient's language."""
    with force_locale(_locale(locale)):
        return gettext(message_id) % values


def _locale(locale: str | None) -> str:
    return locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def local_text(moment: datetime, locale: str | None = None) -> str:
    """A time as people read it: local, month, day and minute."""
    with force_locale(_locale(locale)):
        return to_local(moment).strftime(gettext("%m-%d %H:%M"))


def local_date(day: date, locale: str | None = None) -> str:
    """A calendar day as people read it: month and day."""
    with force_locale(_locale(locale)):
        return day.strftime(gettext("%m-%d"))


def render(kind: str, locale: str | None = None, **values: object) -> tuple[str, str]:
    """The subject and body of a message kind, in the recipient's language (the default locale unless given)."""
    subject, body = TEMPLATES[kind]
    chosen = _locale(locale)
    with force_locale(chosen):
        return gettext(subject), gettext(body) % {k: _value(v, chosen) for k, v in values.items()}


def _value(value: object, locale: str) -> object:
    if isinstance(value, datetime):
        return local_text(value, locale)
    if isinstance(value, date):
        return local_date(value, locale)
    if isinstance(value, Words):
        return (value.en or value.zh) if locale == "en" else (value.zh or value.en)
    if isinstance(value, Phrase):
        return phrase(value.message_id, locale, **value.values)
    return value
