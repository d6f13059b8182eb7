"""Idempotency keys: a request a phone retries (same key, same body) is answered again, never done twice."""
