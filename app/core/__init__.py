"""Shared building blocks: column types, errors, time helpers, access control."""
