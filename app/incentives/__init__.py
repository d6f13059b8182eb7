"""Incentives (激励): service-hours ledger, points, balances, the points shop, rankings, certificates, subsidies."""

from app.incentives.subscribers import connect_signals

connect_signals()
