"""The gateway's Prometheus metrics, in the app's registry."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

DELAY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.events = Counter("hubbub_socket_events_emitted", "Durable events emitted live to their room, by event",
                              ["event"], registry=registry)
        self.delay = Histogram("hubbub_socket_fanout_delay_seconds",
                               "From an event's commit (its timestamp) to its emission to the room",
                               buckets=DELAY_BUCKETS, registry=registry)
        self.replays = Counter("hubbub_socket_replays", "Replays started (connect or sync)", registry=registry)
        self.resyncs = Counter("hubbub_socket_resyncs", "sync:resync_required sent, by reason", ["reason"],
                               registry=registry)
        self.refusals = Counter("hubbub_socket_connects_refused", "Connections refused, by code", ["code"],
                                registry=registry)
        self._children: dict[str, Counter] = {}
        self._collector: GatewayCollector | None = None

    def emitted(self, event: str, at: str) -> None:
        child = self._children.get(event)
        if child is None:
            child = self._children[event] = self.events.labels(event)
        child.inc()
        self.delay.observe(max(0.0, time.time() - datetime.fromisoformat(at).timestamp()))

    def watch(self, gateway) -> None:
        if self._collector is not None:
            self.registry.unregister(self._collector)
        self._collector = GatewayCollector(gateway)
        self.registry.register(self._collector)


class GatewayCollector:
    def __init__(self, gateway):
        self._gateway = gateway

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily("hubbub_sockets_connected", "Sockets connected to this process",
                                len(self._gateway.connections))
        yield GaugeMetricFamily("hubbub_socket_lag_events", "Events of the log this process has yet to deliver",
                                self._gateway.lag())
