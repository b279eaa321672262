"""Prometheus metrics of one service, on its own registry (no global state at import)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        r = self.registry

        def counter(name: str, doc: str, extra: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, ["service", *extra], registry=r)

        self.http_requests = counter("suara_http_requests_total", "HTTP requests answered",
                                     ("method", "route", "status"))
        self.http_latency = Histogram(
            "suara_http_request_duration_seconds", "HTTP request latency",
            ["service", "method", "route"], registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_published_c = counter("suara_outbox_published_total",
                                          "Outbox rows published and acknowledged")
        self.outbox_failures_c = counter("suara_outbox_publish_failures_total",
                                         "Outbox publishes that failed (the row stays unsent)")
        self.consumed = counter("suara_events_consumed_total",
                                "Events handled, by outcome (handled, duplicate, ignored)",
                                ("consumer", "outcome"))
        self.handler_failures = counter("suara_event_handler_failures_total",
                                        "Handler attempts that raised", ("consumer",))
        self.dead_lettered = counter("suara_events_dead_lettered_total",
                                     "Events sent to a dead-letter topic", ("consumer",))
        self.outbox_unsent_g = Gauge("suara_outbox_unsent",
                                     "Outbox rows not yet acknowledged by the broker (backlog)",
                                     ["service"], registry=r)
        self.broker_up = Gauge("suara_broker_up", "1 when the last broker check succeeded",
                               ["service"], registry=r)
        self.group_commit_units_h = Histogram(
            "suara_group_commit_units", "Units of work written per group-commit transaction",
            ["service"], registry=r, buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )
        self._labels = labels

        self.outbox_published = self.outbox_published_c.labels(**labels)
        self.outbox_failures = self.outbox_failures_c.labels(**labels)
        self.outbox_unsent = self.outbox_unsent_g.labels(**labels)
        self.group_commit_units = self.group_commit_units_h.labels(**labels)

    @property
    def service(self) -> str:
        return self._labels["service"]

    def render(self) -> bytes:
        return generate_latest(self.registry)
