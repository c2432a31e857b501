from uuid import uuid4

import pytest

from hubbub.domain.errors import InvalidInput
from hubbub.domain.message import (
    MAX_BODY, MAX_DISTINCT_REACTIONS, Message, MessageDeleted, NotTheAuthor, TooManyReactions,
)
from hubbub.domain.room import NotAMember, Room, RoomNotFound

OWNER, AUTHOR, OTHER, OUTSIDER = uuid4(), uuid4(), uuid4(), uuid4()


@pytest.fixture
def room():
    return Room.open_room("group", OWNER, "team", None, [AUTHOR, OTHER], True, uuid4())


def send(room, body="hello", mentions=()):
    return Message.compose(room, AUTHOR, body, list(mentions), None, uuid4())


def test_bodies_are_trimmed_and_must_be_1_to_4000_characters(room):
    assert send(room, "  hi  ").body == "hi"
    assert send(room, "x" * MAX_BODY).body == "x" * MAX_BODY
    for bad in ("", "   \n ", "x" * (MAX_BODY + 1)):
        with pytest.raises(InvalidInput):
            send(room, bad)


def test_only_members_send(room):
    with pytest.raises(RoomNotFound):
        Message.compose(room, OUTSIDER, "hi", [], None, uuid4())
    public = Room.open_room("channel", OWNER, "lobby", None, [], False, uuid4())
    with pytest.raises(NotAMember):
        Message.compose(public, OUTSIDER, "hi", [], None, uuid4())


def test_mentions_keep_only_members_once_each(room):
    assert send(room, mentions=[OTHER, OUTSIDER, OTHER]).mentions == [OTHER]


def test_only_the_author_edits_and_a_same_body_edit_is_a_no_op(room):
    message = send(room)
    with pytest.raises(NotTheAuthor):
        message.edit(room, "changed", [], OWNER)
    assert not message.edit(room, " hello ", [], AUTHOR)
    assert message.edit(room, "changed", [OTHER], AUTHOR)
    assert message.edits[0]["body"] == "hello" and message.mentions == [OTHER]


def test_author_or_moderator_deletes_and_the_place_is_kept(room):
    message = send(room)
    with pytest.raises(NotTheAuthor):
        message.delete(room, OTHER)
    assert message.delete(room, OWNER) and not message.delete(room, AUTHOR)
    assert message.deleted and message.body is None and message.id


def test_a_deleted_message_refuses_edits_and_reactions(room):
    message = send(room)
    message.delete(room, AUTHOR)
    with pytest.raises(MessageDeleted):
        message.edit(room, "x", [], AUTHOR)
    with pytest.raises(MessageDeleted):
        message.add_reaction(room, "👍", OTHER)


def test_reactions_are_idempotent_per_member_and_emoji(room):
    message = send(room)
    assert message.add_reaction(room, "👍", OTHER) and not message.add_reaction(room, "👍", OTHER)
    assert message.reactions == {"👍": [str(OTHER)]}
    assert message.remove_reaction(room, "👍", OTHER) and not message.remove_reaction(room, "👍", OTHER)
    assert message.reactions == {}


def test_emoji_are_validated_and_distinct_reactions_capped(room):
    message = send(room)
    for bad in ("", "two words", "x" * 65):
        with pytest.raises(InvalidInput):
            message.add_reaction(room, bad, OTHER)
    for i in range(MAX_DISTINCT_REACTIONS):
        message.add_reaction(room, f":e{i}:", OTHER)
    with pytest.raises(TooManyReactions):
        message.add_reaction(room, ":one-more:", OTHER)
    assert message.add_reaction(room, ":e0:", AUTHOR)


def test_message_events_carry_their_room_for_fan_out(room):
    message = send(room)
    message.add_reaction(room, "👍", OTHER)
    message.edit(room, "new", [], AUTHOR)
    message.delete(room, AUTHOR)
    assert {e.room_id for e in message.collect_events()} == {room.id}
