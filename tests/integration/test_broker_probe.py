"""The delivery broker's readiness probe against the real brokers, and against closed ports."""

from __future__ import annotations

import pytest

from hubbub.adapters.notifications.broker_probe import BrokerProbe
from tests.services import require_nats, require_rabbitmq, require_redis


@pytest.mark.parametrize(("require", "kind"), [(require_rabbitmq, "rabbitmq"), (require_nats, "nats"),
                                               (require_redis, "redis")], ids=["rabbitmq", "nats", "redis"])
async def test_a_running_broker_answers(require, kind):
    assert await BrokerProbe(require()).check() == {"broker": kind}


@pytest.mark.parametrize(("url", "error"), [
    ("amqp://guest:guest@127.0.0.1:1/", "AMQPConnectionError"),
    ("nats://127.0.0.1:1", "NoServersError"),
    ("redis://127.0.0.1:1/0", "ConnectionError"),
], ids=["rabbitmq", "nats", "redis"])
async def test_a_closed_port_fails_naming_the_error(url, error):
    with pytest.raises(Exception) as failure:
        await BrokerProbe(url).check()
    assert type(failure.value).__name__ == error


async def test_a_refused_login_is_not_ready():
    url = require_rabbitmq().replace("guest:guest@", "guest:not-the-password@")
    with pytest.raises(Exception, match="ACCESS_REFUSED"):
        await BrokerProbe(url).check()
