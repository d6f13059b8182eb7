"""Notifications: an outbox of messages fed by order and dispatch signals, delivered by pluggable senders."""

from app.notifications.subscribers import connect_signals

connect_signals()
