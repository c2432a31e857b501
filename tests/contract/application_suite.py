"""hubbub's domain + application behaviour, written once and re-run on every event store.

Subclasses set only `backend`. Nothing here knows HTTP or sockets.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest

from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.settings import Settings
from hubbub.application.commands import AddMembers, AddReaction, RemoveMember, SetMuted
from hubbub.application.context import CommandContext
from hubbub.application.errors import IdempotencyKeyReused, InvalidCredentials, RefreshTokenReused
from hubbub.domain.account import UsernameTaken
from hubbub.domain.message import MessageDeleted, NotTheAuthor
from hubbub.domain.room import DirectMessageMembersFixed, NotAMember, NotAModerator, RoomNotFound
from hubbub.domain.session import SessionRevoked
from tests.backends import event_store_url
from tests.contract.fakes import PlainHasher
from tests.commanding import Do

MESSAGE_SENT = "hubbub.domain.message:Message.Sent"


class ApplicationSuite:
    backend = "memory"

    @pytest.fixture
    def services(self, tmp_path):
        with event_store_url(self.backend, tmp_path) as url:
            services = bootstrap(Settings(event_store_url=url, data_dir=str(tmp_path)), hasher=PlainHasher())
            try:
                yield services
            finally:
                services.close()

    @pytest.fixture
    def people(self, services):
        return {name: Do(services).register(name, "long enough pw")[0] for name in ("ann", "bob", "cat", "dan")}

    @pytest.fixture
    def room(self, services, people):
        ann = people["ann"]
        members = [people["bob"].id, people["cat"].id]
        room, _, _ = Do(services).create(as_(ann), "group", members, name="general", private=True)
        return room

    # Accounts and sessions.

    def test_usernames_are_unique_case_insensitively(self, services, people):
        with pytest.raises(UsernameTaken):
            Do(services).register("ANN", "another password")

    def test_unknown_user_and_wrong_password_fail_the_same_way(self, services, people):
        assert services.accounts.authenticate("ann", "long enough pw").id == people["ann"].id
        with pytest.raises(InvalidCredentials):
            services.accounts.authenticate("ann", "wrong password")
        with pytest.raises(InvalidCredentials):
            services.accounts.authenticate("nobody", "long enough pw")

    def test_a_spent_refresh_token_revokes_its_session(self, services, people):
        opened = Do(services).open_session(people["ann"].id, "phone")
        rotated = Do(services).rotate_session(opened.session_id, opened.token_id)
        next_token = rotated.token_id
        assert rotated.session.token_id == next_token and rotated.position == services.app.head()
        with pytest.raises(RefreshTokenReused):
            Do(services).rotate_session(opened.session_id, opened.token_id)
        with pytest.raises(SessionRevoked):
            Do(services).rotate_session(opened.session_id, next_token)
        assert str(opened.session_id) not in services.accounts.get(people["ann"].id).live_sessions

    def test_the_sixth_session_evicts_the_oldest(self, services, people):
        opened = [Do(services).open_session(people["ann"].id, f"device {i}") for i in range(6)]
        assert opened[-1].evicted == [opened[0].session_id]
        live = services.accounts.live_sessions(people["ann"].id)
        assert [s.id for s in live] == [o.session_id for o in opened[1:]]
        assert not services.accounts.get_session(opened[0].session_id).is_live

    # Rooms.

    def test_a_dm_is_unique_per_pair_and_cannot_gain_members(self, services, people):
        ann, bob = people["ann"], people["bob"]
        dm, _, created = Do(services).create(as_(ann), "dm", [bob.id])
        again, _, created_again = Do(services).create(as_(bob), "dm", [ann.id])
        assert (created, created_again, again.id) == (True, False, dm.id)
        with pytest.raises(DirectMessageMembersFixed):
            Do(services).add_members(as_(ann), dm.id, [people["cat"].id])

    def test_outsiders_cannot_see_a_private_room_and_cannot_act_in_a_public_one(self, services, people, room):
        dan = people["dan"]
        with pytest.raises(RoomNotFound):
            Do(services).send(as_(dan), room.id, "let me in")
        public, _, _ = Do(services).create(as_(people["ann"]), "channel", [], name="lobby")
        with pytest.raises(NotAMember):
            Do(services).send(as_(dan), public.id, "hello?")
        Do(services).add_members(as_(dan), public.id, [dan.id])
        assert Do(services).send(as_(dan), public.id, "joined").created

    def test_only_moderators_invite_to_a_private_room(self, services, people, room):
        with pytest.raises(NotAModerator):
            Do(services).add_members(as_(people["bob"]), room.id, [people["dan"].id])
        room_after, _ = Do(services).add_members(as_(people["ann"]), room.id, [people["dan"].id])
        assert room_after.is_member(people["dan"].id)

    def test_a_removed_member_can_no_longer_act(self, services, people, room):
        bob = people["bob"]
        sent = Do(services).send(as_(bob), room.id, "still here")
        Do(services).remove_member(as_(people["ann"]), room.id, bob.id)
        with pytest.raises(RoomNotFound):
            Do(services).send(as_(bob), room.id, "am I?")
        with pytest.raises(RoomNotFound):
            Do(services).add_reaction(as_(bob), room.id, sent.message.id, "👍")
        with pytest.raises(RoomNotFound):
            Do(services).mark_read(as_(bob), room.id, 1)

    # Messages.

    def test_send_returns_the_position_of_the_appended_event(self, services, people, room):
        before = services.app.head()
        sent = Do(services).send(as_(people["bob"]), room.id, "  hello @ann and @dan  ")
        assert sent.position == before + 1 == services.app.head()
        assert sent.message.body == "hello @ann and @dan"
        assert sent.message.mentions == [people["ann"].id]  # dan is not a member

    def test_a_retried_send_appends_nothing_and_returns_the_original(self, services, people, room):
        bob = as_(people["bob"])
        first = Do(services).send(bob, room.id, "once", client_msg_id="k-1")
        head = services.app.head()
        again = Do(services).send(bob, room.id, "once", client_msg_id="k-1")
        assert (again.created, again.message.id, services.app.head()) == (False, first.message.id, head)
        assert again.position >= first.position
        with pytest.raises(IdempotencyKeyReused):
            Do(services).send(bob, room.id, "twice?", client_msg_id="k-1")

    def test_fifty_concurrent_retries_of_one_send_append_exactly_one_message(self, services, people, room):
        bob = as_(people["bob"])
        start = threading.Barrier(50)

        def send():
            start.wait()
            return Do(services).send(bob, room.id, "exactly once", client_msg_id="retry-me")

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda _: send(), range(50)))
        assert len({r.message.id for r in results}) == 1
        assert sum(r.created for r in results) == 1
        assert count_topic(services, MESSAGE_SENT) == 1

    def test_racing_writers_on_one_message_lose_no_update(self, services, people, room):
        members = [people[n] for n in ("ann", "bob", "cat")]
        sent = Do(services).send(as_(members[0]), room.id, "react to me")
        emojis = ["👍", "🎉", "❤️", "🚀"]
        jobs = [(m, e) for m in members for e in emojis]
        start = threading.Barrier(len(jobs))

        def react(job):
            start.wait()
            member, emoji = job
            Do(services).add_reaction(as_(member), room.id, sent.message.id, emoji)

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            list(pool.map(react, jobs))
        reactions = services.messages.get(room.id, sent.message.id).reactions
        assert {e: sorted(u) for e, u in reactions.items()} == {
            e: sorted(str(m.id) for m in members) for e in emojis
        }

    # Hot records: commands on one aggregate queued together are decided in turn, never raced.

    @pytest.fixture
    def crowd(self, services, people):
        """50 members of one public channel."""
        owner = as_(people["ann"])
        members = [Do(services).register(f"user{n}", "long enough pw")[0] for n in range(50)]
        channel, _, _ = Do(services).create(owner, "channel", [m.id for m in members], name="crowd")
        return channel, [as_(m) for m in members]

    def test_fifty_concurrent_identical_reactions_on_one_message_all_succeed(self, services, crowd):
        channel, members = crowd
        sent = Do(services).send(members[0], channel.id, "react to me")
        outcomes = all_at_once(services, [(AddReaction(channel.id, sent.message.id, "👍"), m) for m in members])
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
        assert len(services.messages.get(channel.id, sent.message.id).reactions["👍"]) == 50

    def test_fifty_concurrent_mutes_of_one_room_all_succeed(self, services, crowd):
        channel, members = crowd
        outcomes = all_at_once(services, [(SetMuted(channel.id, True), m) for m in members])
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
        room = services.rooms.get(channel.id)
        assert all(room.is_muted_by(m.actor_id) for m in members)

    def test_twenty_members_joining_and_leaving_one_channel_never_conflict(self, services, crowd):
        channel, members = crowd
        churners = members[:20]

        async def churn(member):
            failures = []
            for _ in range(6):
                for command in (RemoveMember(channel.id, member.actor_id), AddMembers(channel.id, [member.actor_id])):
                    try:
                        await services.commands.submit(command, member)
                    except Exception as error:  # noqa: BLE001 - collected: the test asserts there are none
                        failures.append(error)
            return failures

        async def everyone():
            return await asyncio.gather(*(churn(m) for m in churners))

        assert [f for failures in asyncio.run(everyone()) for f in failures] == []
        room = services.rooms.get(channel.id)
        assert all(room.is_member(m.actor_id) for m in churners)

    def test_edits_keep_history_and_only_the_author_edits(self, services, people, room):
        sent = Do(services).send(as_(people["bob"]), room.id, "frist")
        with pytest.raises(NotTheAuthor):
            Do(services).edit(as_(people["cat"]), room.id, sent.message.id, "first")
        edited, _ = Do(services).edit(as_(people["bob"]), room.id, sent.message.id, "first @cat")
        assert [e["body"] for e in edited.edits] == ["frist"]
        assert edited.mentions == [people["cat"].id] and edited.edited_at is not None

    def test_a_moderator_deletes_and_a_deleted_message_refuses_changes(self, services, people, room):
        sent = Do(services).send(as_(people["bob"]), room.id, "oops")
        with pytest.raises(NotTheAuthor):
            Do(services).delete(as_(people["cat"]), room.id, sent.message.id)
        deleted, _ = Do(services).delete(as_(people["ann"]), room.id, sent.message.id)
        assert deleted.deleted and deleted.body is None
        with pytest.raises(MessageDeleted):
            Do(services).edit(as_(people["bob"]), room.id, sent.message.id, "again")
        with pytest.raises(MessageDeleted):
            Do(services).add_reaction(as_(people["bob"]), room.id, sent.message.id, "👍")

    def test_replies_join_the_thread_of_their_root(self, services, people, room):
        root = Do(services).send(as_(people["ann"]), room.id, "topic").message
        reply = Do(services).send(as_(people["bob"]), room.id, "re", thread_id=root.id).message
        nested = Do(services).send(as_(people["cat"]), room.id, "re re", thread_id=reply.id).message
        assert reply.thread_id == nested.thread_id == root.id

    # Read markers.

    def test_read_markers_never_move_backwards(self, services, people, room):
        bob = as_(people["bob"])
        for _ in range(3):
            Do(services).send(as_(people["ann"]), room.id, "news")
        head = services.app.head()
        assert Do(services).mark_read(bob, room.id, head)[0] == head
        assert Do(services).mark_read(bob, room.id, 1)[0] == head
        # Past the head clamps to it (marking read appends, so the head has moved on).
        now = services.app.head()
        assert Do(services).mark_read(bob, room.id, now + 1000)[0] == now

    # Audit trail.

    def test_every_event_records_actor_and_request(self, services, people, room):
        context = CommandContext(actor_id=people["bob"].id, causation_id="req-42")
        Do(services).send(context, room.id, "traced")
        last = services.app.recorder.select_notifications(start=services.app.head(), limit=1)[0]
        event = services.app.mapper.to_domain_event(last)
        _, metadata = services.app.mapper.transcoder.split_metadata(_plain(services, last.state))
        assert event.actor_id == people["bob"].id
        assert metadata == {"actor_id": str(people["bob"].id), "correlation_id": context.correlation_id,
                            "causation_id": "req-42"}


    def test_concurrent_sends_each_record_their_own_actor_and_request(self, services, people, room):
        """Commands batched into one writer transaction never share each other's metadata."""
        senders = [people[n] for n in ("ann", "bob", "cat")] * 8
        contexts = [CommandContext(actor_id=p.id, causation_id=f"req-{i}") for i, p in enumerate(senders)]
        start = threading.Barrier(len(contexts))

        def send(context):
            start.wait()
            return Do(services).send(context, room.id, f"from {context.causation_id}")

        with ThreadPoolExecutor(max_workers=len(contexts)) as pool:
            sent = list(pool.map(send, contexts))
        for context, result in zip(contexts, sent):
            stored = services.app.recorder.select_notifications(start=result.position, limit=1)[0]
            _, metadata = services.app.mapper.transcoder.split_metadata(_plain(services, stored.state))
            event = services.app.mapper.to_domain_event(stored)
            assert event.originator_id == result.message.id and event.body == f"from {context.causation_id}"
            assert metadata["actor_id"] == str(context.actor_id)
            assert metadata["causation_id"] == context.causation_id


def as_(account) -> CommandContext:
    return CommandContext(actor_id=account.id, causation_id=f"test-{uuid4().hex[:6]}")


def all_at_once(services, submissions) -> list:
    """Submit every (command, context) at once from one event loop; each answer or error."""
    async def submit_all():
        return await asyncio.gather(*(services.commands.submit(c, ctx) for c, ctx in submissions),
                                    return_exceptions=True)

    return asyncio.run(submit_all())


def count_topic(services, topic: str) -> int:
    notifications = services.app.recorder.select_notifications(start=1, limit=100_000)
    return sum(1 for n in notifications if n.topic == topic)


def _plain(services, state: bytes) -> bytes:
    mapper = services.app.mapper
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return state
