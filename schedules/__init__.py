"""Scheduled jobs: one scheduler process, started only by `diandan scheduler run`."""
