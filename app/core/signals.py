"""Signals other packages subscribe to (notifications, audit) without the services importing them."""

from blinker import Namespace

_signals = Namespace()

# Sent with the OrderEvent just recorded (flushed, not yet committed): every order transition passes here.
order_event_recorded = _signals.signal("order-event-recorded")
# Sent with the Proposal just created by a dispatch run.
proposal_created = _signals.signal("proposal-created")
