"""Unread and mention counts equal a recount from the log, wherever a batch ends."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.projections import topics as t
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.rooms import unread
from hubbub.projections.rooms.documents import ACTIVITY, MEMBERSHIPS
from hubbub.projections.rooms.projector import RoomsProjector
from hubbub.projections.runtime.follower import ProjectorFollower

from .workload import Workload, commands
from .world import World


def recount(events) -> dict[tuple[str, str], tuple[int, int]]:
    """The definition, applied naively to every event up to now."""
    members: dict[str, dict[str, int]] = {}
    markers: dict[tuple[str, str], int] = {}
    messages: dict[str, dict] = {}
    for position, topic, e in events:
        if topic == t.ROOM_CREATED:
            members[str(e.originator_id)] = {str(m["user_id"]): position for m in e.members}
        elif topic == t.MEMBERS_JOINED:
            members[str(e.originator_id)].update({str(u): position for u in e.user_ids})
        elif topic == t.MEMBER_LEFT:
            members[str(e.originator_id)].pop(str(e.user_id))
        elif topic == t.MESSAGE_SENT:
            messages[str(e.originator_id)] = {"room": str(e.room_id), "position": position, "author": str(e.author_id),
                                              "mentions": {str(m) for m in e.mentions}, "deleted": False}
        elif topic == t.MESSAGE_EDITED:
            messages[str(e.originator_id)]["mentions"] = {str(m) for m in e.mentions}
        elif topic == t.MESSAGE_DELETED:
            messages[str(e.originator_id)]["deleted"] = True
        elif topic in (t.READ_MARKER_STARTED, t.READ_MARKER_ADVANCED):
            key = (str(getattr(e, "user_id", None) or e.actor_id), str(e.room_id))
            markers[key] = max(markers.get(key, 0), e.position)
    counts = {}
    for room, joined in members.items():
        for user, since in joined.items():
            base = max(since, markers.get((user, room), 0))
            live = [m for m in messages.values()
                    if m["room"] == room and not m["deleted"] and m["position"] > base and m["author"] != user]
            counts[(user, room)] = (len(live), sum(user in m["mentions"] for m in live))
    return counts


def projected(store) -> dict[tuple[str, str], tuple[int, int]]:
    rooms = {activity["_id"]: activity for activity in store.find(ACTIVITY, {})}
    return {(e["user_id"], e["room_id"]): unread.counts(e, rooms[e["room_id"]])
            for e in store.find(MEMBERSHIPS, {}) if e["member"]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(commands, min_size=20, max_size=60), tail=st.integers(1, 5),
       commit_points=st.lists(st.booleans(), min_size=1, max_size=64))
def test_unread_counts_equal_a_recount_from_the_log(script, tail, commit_points):
    with tempfile.TemporaryDirectory() as directory, mock.patch.object(unread, "TAIL", tail):
        world = World(Path(directory))
        try:
            workload = Workload(world)
            for command in script:
                workload.play(command)
            check_every_commit(world, commit_points)
        finally:
            world.close()


def check_every_commit(world: World, commit_points: list[bool]) -> None:
    log = EventLog(world.services.app)
    store = world.read_models.read_store.open("rooms", 1, RoomsProjector.collections, create=True)
    follower, events = ProjectorFollower(RoomsProjector, store, 1), []
    for index, notification in enumerate(log.read(after=0, stop=log.head(), limit=100_000)):
        event, _ = log.decode(notification)
        events.append((notification.id, notification.topic, event))
        if notification.topic in RoomsProjector.handles:
            follower.apply(notification, event)
        follower.skip_to(notification.id)
        if commit_points[index % len(commit_points)]:
            follower.commit(force=True)
            assert projected(store) == recount(events), f"at position {notification.id}"
    follower.commit(force=True)
    assert projected(store) == recount(events)
