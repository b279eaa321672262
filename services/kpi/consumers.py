"""The kpi service's consumer groups: what it reads and the handler
for each event type."""

from shared.consumer import Subscription


def subscriptions() -> list[Subscription]:
    return []
