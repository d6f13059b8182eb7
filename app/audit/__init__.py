"""Append-only audit log of staff actions and state changes: `from app.audit import record`."""

from app.audit.service import record, record_denied
from app.audit.subscribers import connect_signals

connect_signals()

__all__ = ["record", "record_denied"]
