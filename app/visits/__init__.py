"""Household visit campaigns (入户走访)."""
