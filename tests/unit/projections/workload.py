"""Random command sequences through the real services, for property and crash tests."""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st

from hubbub.application.context import CommandContext
from hubbub.domain.errors import DomainError
from hubbub.domain.inbox import notification_id

from .world import World
from tests.commanding import Do

NAMES = ("ann", "bob", "cat", "dan")
person = st.sampled_from(NAMES)
pick = st.integers(min_value=0, max_value=1_000)
words = st.sampled_from(["hi", "lunch?", "ok", "@ann", "@bob", "@cat", "@dan", "déjà vu", "ship it"])
body = st.lists(words, min_size=1, max_size=4).map(" ".join)

send = st.tuples(st.just("send"), person, pick, body)
read = st.tuples(st.just("read"), person, pick, pick)
# Sends and reads weigh more: without messages most other commands have nothing to act on.
commands = st.one_of(
    send, send, send, send, read, read,
    st.tuples(st.just("reply"), person, pick, body),
    st.tuples(st.just("edit"), person, pick, body),
    st.tuples(st.just("delete"), person, pick, st.none()),
    st.tuples(st.just("react"), person, pick, st.sampled_from(["👍", "🎉"])),
    st.tuples(st.just("unreact"), person, pick, st.sampled_from(["👍", "🎉"])),
    st.tuples(st.just("join"), person, pick, person),
    st.tuples(st.just("leave"), person, pick, person),
    st.tuples(st.just("mute"), person, pick, st.booleans()),
    st.tuples(st.just("inbox_read"), person, pick, st.none()),
    st.tuples(st.just("inbox_read_all"), person, st.none(), st.none()),
)


class Workload:
    """Plays commands on a world with two group rooms and a DM; refused commands are skipped."""

    def __init__(self, world: World):
        self.world = world
        self.rooms = [world.room("ann", "bob", "cat"), world.room("bob", "ann", "dan"),
                      world.room("ann", "bob", kind="dm")]
        self.messages: list[tuple] = []  # (room, message id)
        self.positions: list[int] = []  # where each message was sent

    def play(self, command: tuple) -> None:
        name, actor, index, argument = command
        try:
            getattr(self, name)(self._member(actor, name, index), index, argument)
        except DomainError:
            pass

    def _member(self, actor: str, command: str, index: int):
        """Mostly someone allowed to act (a member; the author for edits), sometimes not."""
        if command in ("join", "leave", "inbox_read", "inbox_read_all") or index % 5 == 0:
            return self.world.as_(actor)
        if command in ("edit", "delete") and self.messages:
            author = self.world.services.messages.get(*self._message(index)).author_id
            return CommandContext(actor_id=author)
        room = self.world.services.rooms.get(self._room(index) if command != "react" or not self.messages
                                             else self._message(index)[0])
        members = sorted(room.members)
        return self.world.as_(actor) if room.is_member(self.world.people[actor]) or not members \
            else CommandContext(actor_id=UUID(members[index % len(members)]))

    def _room(self, index):
        return self.rooms[index % len(self.rooms)]

    def _message(self, index):
        if not self.messages:
            raise DomainError("no message yet")
        return self.messages[index % len(self.messages)]

    def send(self, actor, index, text, thread=None):
        room = self._room(index) if thread is None else thread[0]
        sent = Do(self.world.services).send(actor, room, text, thread_id=thread and thread[1])
        self.messages.append((room, sent.message.id))
        self.positions.append(sent.position)

    def reply(self, actor, index, text):
        self.send(actor, index, text, thread=self._message(index))

    def edit(self, actor, index, text):
        Do(self.world.services).edit(actor, *self._message(index), text)

    def delete(self, actor, index, _):
        Do(self.world.services).delete(actor, *self._message(index))

    def react(self, actor, index, emoji):
        Do(self.world.services).add_reaction(actor, *self._message(index), emoji)

    def unreact(self, actor, index, emoji):
        Do(self.world.services).remove_reaction(actor, *self._message(index), emoji)

    def read(self, actor, index, up_to):
        if self.positions and up_to % 3:  # just before or at a message: the edges of every count
            position = self.positions[up_to % len(self.positions)] - up_to % 2
        else:
            position = up_to % (self.world.services.app.head() + 1)
        Do(self.world.services).mark_read(actor, self._room(index), position)

    def join(self, actor, index, who):
        Do(self.world.services).add_members(actor, self._room(index), [self.world.people[who]])

    def leave(self, actor, index, who):
        Do(self.world.services).remove_member(actor, self._room(index), self.world.people[who])

    def mute(self, actor, index, muted):
        Do(self.world.services).set_muted(actor, self._room(index), muted)

    def inbox_read(self, actor, index, _):
        # Ids are derived, so no read model is needed: some exist, some (harmlessly) do not.
        position = index % self.world.services.app.head() + 1
        Do(self.world.services).mark_notifications_read(actor, [notification_id(position, actor.actor_id)])

    def inbox_read_all(self, actor, index, _):
        Do(self.world.services).mark_all_notifications_read(actor)


def random_script(rng, length: int) -> list[tuple]:
    """The same commands, drawn by a seeded random generator (for tests that are not properties)."""
    words = ["hi", "lunch?", "ok", "@ann", "@bob", "@cat", "@dan", "déjà vu", "ship it"]
    weighted = ["send"] * 5 + ["read"] * 2 + ["reply", "edit", "delete", "react", "unreact", "join", "leave",
                                               "mute", "inbox_read", "inbox_read_all"]
    script = []
    for _ in range(length):
        name = rng.choice(weighted)
        argument = {"send": " ".join(rng.choices(words, k=3)), "reply": rng.choice(words), "edit": rng.choice(words),
                    "react": rng.choice(["👍", "🎉"]), "unreact": rng.choice(["👍", "🎉"]),
                    "read": rng.randint(0, 1_000), "join": rng.choice(NAMES), "leave": rng.choice(NAMES),
                    "mute": rng.random() < 0.5}.get(name)
        script.append((name, rng.choice(NAMES), rng.randint(0, 1_000), argument))
    return script
