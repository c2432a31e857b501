"""The audit index on real stores: SQLite and PostgreSQL event stores, the embedded and the
MongoDB read store (the latter only when MONGODB_URL is set)."""

from __future__ import annotations

import pytest

from hubbub.application.context import CommandContext
from hubbub.projections.audit.index import SPECS, AuditIndex
from hubbub.projections.audit.queries import EventFilter, of_request, page
from tests.audit_world import audit_world, chat, feed
from tests.backends import event_store_url, mongodb_url

STORES = [("sqlite", "embedded"), ("postgres", "embedded"), ("sqlite", "mongodb")]


@pytest.fixture(params=STORES, ids=[f"{e}-{r}" for e, r in STORES])
def world(request, tmp_path):
    events, reads = request.param
    with event_store_url(events, tmp_path) as url:
        if reads == "mongodb":
            with mongodb_url() as read_url:
                from hubbub.adapters.readstore.mongodb import MongoReadStore

                world = audit_world(url, tmp_path, MongoReadStore(read_url))
                yield world
                world.close()
        else:
            world = audit_world(url, tmp_path)
            yield world
            world.close()


def test_the_index_answers_every_filter(world):
    facts = chat(world.services, messages=7)
    audit, ask = world.audit, world.ask
    ctx = CommandContext.system()
    by_ann = ask(audit.events(ctx, EventFilter(actor_id=str(facts["ann"]), type="Message.Sent", limit=3)))
    assert [i["data"]["body"] for i in by_ann["items"]] == ["message 6", "message 5", "message 4"]
    rest = ask(audit.events(ctx, EventFilter(actor_id=str(facts["ann"]), type="Message.Sent", limit=10,
                                             cursor=int(by_ann["next_cursor"]))))
    assert len(rest["items"]) == 4 and rest["next_cursor"] is None
    first = facts["sent"][0].message.id
    by_aggregate = ask(audit.events(ctx, EventFilter(aggregate_id=str(first), newest_first=False)))
    assert [i["version"] for i in by_aggregate["items"]] == [1, 2]
    assert len(ask(audit.request(ctx, "req-ann-1"))["items"]) == 8  # the room and seven messages


def test_a_consumer_fed_twice_writes_each_position_once(world):
    chat(world.services, messages=3)
    index = AuditIndex(world.read_store.open("audit_index", 7, SPECS, create=True))
    head = feed(world.services.app, [index])
    assert index.committed_position() == head == feed(world.services.app, [index])
    docs, _ = page(index.version, EventFilter(limit=100))
    assert [d["position"] for d in docs] == list(range(head, 0, -1))
    assert [d["type"] for d in of_request(index.version, "req-ann-1")][:1] == ["Room.Created"]
