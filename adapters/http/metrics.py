"""Prometheus metrics: a registry per app, so several apps in one process never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hubbub_http_requests", "HTTP requests answered, by route template and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "hubbub_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self._log: LogCollector | None = None
        # labels() looks its child up under a lock on every call: keep each once found.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)), self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def watch_log(self, head: Callable[[], int], lag: Callable[[], dict[str, int]],
                  writer: Callable[[], tuple[int, int]]) -> None:
        """Report on this log (replacing the one of an earlier start of the same app); `writer`
        gives the command writer's (transactions, commands) so far."""
        if self._log is not None:
            self.registry.unregister(self._log)
        self._log = LogCollector(head, lag, writer)
        self.registry.register(self._log)

    def exposition(self) -> bytes:
        """Blocking (the log collector reads the store): call it from a worker thread."""
        return generate_latest(self.registry)


class LogCollector:
    """Read at scrape time: the log's head counts every event appended; lag is what each projection owes."""

    def __init__(self, head: Callable[[], int], lag: Callable[[], dict[str, int]],
                 writer: Callable[[], tuple[int, int]]):
        self._head = head
        self._lag = lag
        self._writer = writer

    def collect(self) -> Iterable[Metric]:
        yield CounterMetricFamily(
            "hubbub_events_appended", "Events appended to the log (its head position)", self._head()
        )
        lag = GaugeMetricFamily(
            "hubbub_projection_lag_events", "Events a projection has yet to process", labels=["projection"]
        )
        for projection, events in sorted(self._lag().items()):
            lag.add_metric([projection], events)
        yield lag
        # Commands over transactions is the writer's batching: near 1 when idle, larger under load.
        transactions, commands = self._writer()
        yield CounterMetricFamily(
            "hubbub_writer_transactions", "Transactions the message command writer committed", transactions
        )
        yield CounterMetricFamily("hubbub_writer_commands", "Commands those transactions carried", commands)
