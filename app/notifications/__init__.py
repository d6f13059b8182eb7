"""Notifications: an outbox of messages fed by order and dispatch signals, delivered by pluggable senders."""
