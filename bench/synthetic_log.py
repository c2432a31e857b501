"""A large, realistic hubbub log written straight through the recorder in big batches.

Events are built as the domain would record them and encoded by the application's own mapper,
so projections decode them exactly as they decode real ones; only the command layer is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

from hubbub.domain.ids import read_marker_id
from hubbub.domain.message import Message
from hubbub.domain.read_marker import ReadMarker
from hubbub.domain.room import Room

BATCH = 20_000
START = datetime(2024, 3, 1, tzinfo=timezone.utc)
SPAN = timedelta(days=60)
# Shares of the events after the rooms are created.
MIX = (("send", 0.70), ("edit", 0.05), ("react", 0.10), ("read", 0.13), ("delete", 0.02))


class SyntheticLog:
    def __init__(self, app, events: int, rooms: int = 2_000, users: int = 5_000, seed: int = 1):
        self.app, self.total, self.rng = app, events, random.Random(seed)
        self.users = [uuid4() for _ in range(users)]
        self.rooms = [uuid4() for _ in range(rooms)]
        self.members = {room: self.rng.sample(self.users, self.rng.randint(5, 30)) for room in self.rooms}
        self.messages: list[tuple[UUID, UUID, UUID]] = []  # (message, room, author)
        self.versions: dict[UUID, int] = {}
        self.position = app.recorder.max_notification_id() or 0

    def write(self) -> int:
        batch = []
        for event in self._events():
            batch.append(self.app.mapper.to_stored_event(event))
            if len(batch) == BATCH:
                self._insert(batch)
                batch = []
        if batch:
            self._insert(batch)
        return self.position

    def _insert(self, batch) -> None:
        self.app.recorder.insert_events(batch)
        self.position += len(batch)

    def _events(self) -> Iterator[object]:
        for room in self.rooms:
            yield self._room_created(room)
        kinds, weights = zip(*MIX, strict=True)
        for index in range(self.total - len(self.rooms)):
            at = START + SPAN * (index / self.total)
            kind = self.rng.choices(kinds, weights)[0] if self.messages else "send"
            yield getattr(self, f"_{kind}")(at, self.position + index + len(self.rooms) + 1)

    def _room_created(self, room: UUID) -> object:
        owner, *others = self.members[room]
        created = Room.open_room("channel", owner, f"room {room.hex[:6]}", None, others, False, room)
        return created.collect_events()[0]

    def _next_version(self, aggregate_id: UUID) -> int:
        self.versions[aggregate_id] = self.versions.get(aggregate_id, 0) + 1
        return self.versions[aggregate_id]

    def _send(self, at: datetime, position: int) -> object:
        room = self.rng.choice(self.rooms)
        author = self.rng.choice(self.members[room])
        mentions = [self.rng.choice(self.members[room])] if self.rng.random() < 0.1 else []
        message = uuid4()
        self.messages.append((message, room, author))
        return Message.Sent(originator_id=message, originator_version=self._next_version(message), timestamp=at,
                            originator_topic="hubbub.domain.message:Message", room_id=room, author_id=author,
                            body=f"message {position} about the plan", thread_id=None, mentions=mentions,
                            client_msg_id=None, actor_id=author)

    def _recent(self) -> tuple[UUID, UUID, UUID]:
        return self.messages[self.rng.randrange(max(0, len(self.messages) - 5_000), len(self.messages))]

    def _edit(self, at: datetime, position: int) -> object:
        message, room, author = self._recent()
        return Message.Edited(originator_id=message, originator_version=self._next_version(message), timestamp=at,
                              room_id=room, body=f"edited at {position}", mentions=[], actor_id=author)

    def _react(self, at: datetime, position: int) -> object:
        message, room, author = self._recent()
        return Message.ReactionAdded(originator_id=message, originator_version=self._next_version(message),
                                     timestamp=at, room_id=room, author_id=author, emoji=f"e{position % 50}",
                                     actor_id=self.rng.choice(self.members[room]))

    def _delete(self, at: datetime, position: int) -> object:
        recent = self.rng.randrange(max(0, len(self.messages) - 5_000), len(self.messages))
        message, room, author = self.messages.pop(recent)
        return Message.Deleted(originator_id=message, originator_version=self._next_version(message), timestamp=at,
                               room_id=room, actor_id=author)

    def _read(self, at: datetime, position: int) -> object:
        room = self.rng.choice(self.rooms)
        user = self.rng.choice(self.members[room])
        marker = read_marker_id(user, room)
        version, up_to = self._next_version(marker), position - 1 - self.rng.randint(0, 20)
        if version == 1:
            return ReadMarker.Started(originator_id=marker, originator_version=1, timestamp=at,
                                      originator_topic="hubbub.domain.read_marker:ReadMarker", room_id=room,
                                      user_id=user, position=up_to, actor_id=user)
        return ReadMarker.Advanced(originator_id=marker, originator_version=version, timestamp=at, room_id=room,
                                   position=up_to, actor_id=user)
