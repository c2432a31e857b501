"""Broadcast audiences: one small document per member, read back in pages by user id."""

from __future__ import annotations

from hubbub.application.context import CommandContext
from hubbub.projections.inbox import audiences
from hubbub.projections.inbox.projector import NOTIFICATIONS
from hubbub.projections.runtime.batch import Batch
from tests.commanding import Do

from .world import World

NAMES = tuple(f"user{i:03}" for i in range(25))


def test_a_sign_up_writes_two_documents_whatever_the_number_of_accounts(tmp_path):
    world = World(tmp_path, names=NAMES)
    world.catch_up()
    view = world.view("inbox")
    assert view.count(audiences.MEMBERS, {"audience": audiences.EVERYONE}) == len(NAMES)
    batch = Batch(view)

    class SignUp:
        originator_id = "new-user"

    audiences.registered(SignUp(), batch)
    assert batch.dirty_count == 2
    world.close()


def test_pages_stream_every_member_once_in_order(tmp_path):
    world = World(tmp_path, names=NAMES)
    world.catch_up()
    pages = list(audiences.pages(world.view("inbox"), audiences.EVERYONE, page=7))
    assert [len(p) for p in pages] == [7, 7, 7, 4]
    flat = [u for p in pages for u in p]
    assert flat == sorted(flat) and set(flat) == {str(i) for i in world.people.values()}
    world.close()


def test_a_broadcast_folded_in_the_same_batch_as_the_subscriptions_reaches_the_current_subscribers(tmp_path):
    world = World(tmp_path, names=NAMES)
    do = Do(world.services)
    for name in NAMES[:3]:
        do.set_category_subscription(world.as_(name), "news", True)
    do.set_category_subscription(world.as_(NAMES[1]), "news", False)
    admin = world.people[NAMES[0]]
    do.promote(CommandContext.system(), NAMES[0])
    _, position = do.broadcast(CommandContext(actor_id=admin), "news", "Hello", "body", "promotional")
    world.catch_up()
    got = {d["user_id"] for d in world.view("inbox").find(NOTIFICATIONS, {"position": position})}
    assert got == {str(world.people[NAMES[0]]), str(world.people[NAMES[2]])}
    world.close()
