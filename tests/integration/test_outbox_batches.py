"""Outbox writes from jobs handled at once: one hand-off and one transaction, each call's own answer."""

from __future__ import annotations

import asyncio
import time

import pytest

from hubbub.adapters.notifications.outbox import Outbox
from hubbub.adapters.notifications.outbox_batches import OutboxBatches
from tests.integration.test_delivery_worker import queued


class Receiver:
    url = "http://127.0.0.1:1/hook"


class CountedHandOffs:
    def __init__(self):
        self.count = 0

    async def __call__(self, func, *args):
        self.count += 1
        return await asyncio.to_thread(func, *args)


async def test_calls_made_together_share_one_hand_off_and_each_gets_its_answer(tmp_path):
    outbox, hand_offs = Outbox(tmp_path / "outbox.sqlite3"), CountedHandOffs()
    batches, jobs = OutboxBatches(outbox, hand_offs), queued(outbox, Receiver(), 10)
    ids = [job["delivery_id"] for job in jobs]
    claims = await asyncio.gather(*(batches(outbox.claim, id_, time.time(), 30.0) for id_ in ids))
    assert [state for state, _ in claims] == ["claimed"] * 10
    assert [record["delivery_id"] for _, record in claims] == ids
    assert hand_offs.count == 1
    assert await batches(outbox.claim, ids[0], time.time(), 30.0) == ("busy", None)


async def test_a_call_that_fails_fails_alone(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    batches, [first, last] = OutboxBatches(outbox, asyncio.to_thread), queued(outbox, Receiver(), 2)

    def broken() -> None:
        raise LookupError("no such delivery")

    outcomes = await asyncio.gather(batches(outbox.attempted, first["delivery_id"], "delivered", None, time.time()),
                                    batches(broken), batches(outbox.attempted, last["delivery_id"], "dead", "x", 1.0),
                                    return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None and isinstance(outcomes[1], LookupError)
    assert outbox.delivery(first["delivery_id"])["status"] == "delivered"
    assert outbox.delivery(last["delivery_id"])["status"] == "dead"


async def test_a_failed_transaction_reaches_every_caller(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite3")

    async def unavailable(func, *args):
        raise OSError("disk gone")

    batches = OutboxBatches(outbox, unavailable)
    with pytest.raises(OSError, match="disk gone"):
        await asyncio.gather(batches(outbox.claim, "a", 0.0, 1.0), batches(outbox.claim, "b", 0.0, 1.0))
