"""The delivery broker's readiness probe: one probe answers every caller for a moment."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.adapters.notifications.broker_probe import BrokerProbe, delivery_broker_probe
from hubbub.adapters.notifications.pipeline import BrokerPipeline, broker_kind
from hubbub.adapters.settings import Settings


class FakeBroker:
    def __init__(self):
        self.probes, self.down = 0, False

    async def reach(self, url: str, timeout_s: float) -> None:
        self.probes += 1
        await asyncio.sleep(0)
        if self.down:
            raise ConnectionRefusedError(url)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def probe_of(broker: FakeBroker, clock: Clock) -> BrokerProbe:
    return BrokerProbe("nats://broker:4222", reach=broker.reach, keep_s=2.0, clock=clock)


async def test_an_answer_is_kept_for_a_moment_then_asked_again():
    broker, clock = FakeBroker(), Clock()
    probe = probe_of(broker, clock)
    assert await probe.check() == {"broker": "nats"}
    clock.now += 1.9
    await probe.check()
    assert broker.probes == 1
    clock.now += 0.1
    await probe.check()
    assert broker.probes == 2


async def test_callers_arriving_together_share_one_probe():
    broker = FakeBroker()
    probe = probe_of(broker, Clock())
    await asyncio.gather(*(probe.check() for _ in range(20)))
    assert broker.probes == 1


async def test_a_failure_is_raised_to_every_caller_until_the_broker_answers_again():
    broker, clock = FakeBroker(), Clock()
    probe = probe_of(broker, clock)
    broker.down = True
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            await probe.check()
    assert broker.probes == 1
    broker.down, clock.now = False, clock.now + 2.0
    assert await probe.check() == {"broker": "nats"}


@pytest.mark.parametrize(("broker_url", "redis_url", "probed"), [
    ("", "", False),
    ("", "redis://r:6379/0", False),  # the pipeline is on Redis: the redis check covers it
    ("redis://r:6379/0", "redis://r:6379/0", False),
    ("redis://other:6379/0", "redis://r:6379/0", True),
    ("amqp://guest:guest@r:5672/", "", True),
    ("nats://r:4222", "redis://r:6379/0", True),
])
def test_a_probe_only_for_a_broker_no_other_check_covers(broker_url, redis_url, probed):
    settings = Settings(delivery_broker_url=broker_url, redis_url=redis_url)
    assert (delivery_broker_probe(settings) is not None) == probed


@pytest.mark.parametrize("url, kind", [
    ("redis://h:6379/0", "redis"), ("rediss://h", "redis"), ("amqp://g:g@h:5672/", "rabbitmq"),
    ("amqps://h", "rabbitmq"), ("nats://h:4222", "nats"), ("tls://h:4222", "nats"),
])
def test_the_pipeline_and_the_probe_read_one_kind_from_the_scheme(url, kind):
    assert broker_kind(url) == kind and BrokerPipeline(url).kind == kind


def test_a_scheme_without_a_pipeline_is_refused():
    with pytest.raises(ValueError, match="kafka://"):
        BrokerPipeline("kafka://h")
