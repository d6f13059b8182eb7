"""Incentives (激励): service-hours ledger, points, balances, the points shop, rankings, certificates, subsidies."""
