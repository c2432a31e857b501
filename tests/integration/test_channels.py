"""The external channels against real peers: a signed webhook POST, refusals, timeouts, SMTP."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket

import httpx
import pytest
from aiosmtpd.controller import Controller

from hubbub.adapters.notifications.channels import DeliveryFailed
from hubbub.adapters.notifications.channels.email import EmailChannel
from hubbub.adapters.notifications.channels.webhook import WebhookChannel
from tests.receivers import WebhookReceiver

JOB = {"delivery_id": "d-1", "digest_id": "g-1", "user_id": "u-1", "channel": "webhook",
       "items": [{"id": "n-1", "kind": "mention", "preview": "hi @ann"}]}


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


async def test_a_webhook_is_a_post_signed_with_the_users_secret(receiver):
    channel = WebhookChannel(allow_private=True)
    await channel.send(JOB, {"url": receiver.url, "secret": "s3cret"})
    await channel.close()
    [(headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["hubbub-signature"] == expected and headers["hubbub-delivery"] == "d-1"
    assert json.loads(body)["items"] == JOB["items"]


async def test_private_and_loopback_addresses_are_refused_unless_allowed(receiver):
    channel = WebhookChannel(allow_private=False)
    for url in (receiver.url, "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest"):
        with pytest.raises(DeliveryFailed) as refused:
            await channel.send(JOB, {"url": url, "secret": "s"})
        assert refused.value.permanent and "non-public" in str(refused.value)
    await channel.close()
    assert receiver.received == []


async def test_a_slow_receiver_times_out_and_a_5xx_is_worth_a_retry():
    slow, failing = WebhookReceiver(delay_s=1.0), WebhookReceiver(status=503)
    channel = WebhookChannel(allow_private=True, timeout=httpx.Timeout(0.2))
    try:
        for receiver in (slow, failing):
            with pytest.raises(DeliveryFailed) as failed:
                await channel.send(JOB, {"url": receiver.url, "secret": "s"})
            assert not failed.value.permanent
    finally:
        await channel.close()
        slow.close()
        failing.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


async def test_an_email_goes_out_over_smtp():
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=hub@example.org", asyncio.to_thread)
        await channel.send({**JOB, "channel": "email"}, {"address": "ann@example.org"})
    finally:
        server.stop()
    [(to, content)] = inbox.messages
    assert to == ["ann@example.org"] and "1 new notification" in content and "hi @ann" in content
    assert "Message-ID: <d-1@hubbub>" in content
