"""Test helpers: hand an event straight to a service's handlers, without a broker.

As faststream's in-memory broker does, but through the very code a real consumer runs
(``shared.consumer.handle_event``): the inbox claim and the handler share one transaction,
a duplicate is skipped, and what the handler published is in the outbox.

    deliver = Deliverer(engine, subscription, source="/suara/tests")
    handled = await deliver(ComplaintResolved(...))          # a payload: wrapped fresh
    assert handled.outcome == "handled"
    assert [e.type for e in handled.published] == ["survey.invitation_created.v2"]
    assert (await deliver(handled_event_again)).outcome == "duplicate"
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import Handled, Subscription, handle_event
from shared.events import AnyEvent, EventPayload, new_event


class Deliverer:
    """Delivers events to one subscription's handlers, as its consumer group would."""

    def __init__(self, engine: AsyncEngine, subscription: Subscription, *,
                 source: str = "/suara/tests", group: str | None = None) -> None:
        self._engine = engine
        self._sub = subscription
        self._source = source
        self._group = group or f"test.{subscription.name}"

    async def __call__(self, event: AnyEvent | EventPayload) -> Handled:
        """Handle ``event`` (an envelope, or a payload wrapped in a fresh one). An event type
        the subscription has no handler for is refused: a real consumer would ignore it, a
        test that sends it is most likely wrong."""
        if isinstance(event, EventPayload):
            event = new_event(event, source=self._source)
        handler = self._sub.handlers.get(event.type)
        if handler is None:
            raise LookupError(f"{self._sub.name} has no handler for {event.type}")
        return await handle_event(self._engine, source=self._source, consumer=self._group,
                                  handler=handler, event=event)
