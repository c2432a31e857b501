from uuid import UUID, uuid4

import pytest

from hubbub.domain.errors import InvalidInput
from hubbub.domain.ids import dm_room_id
from hubbub.domain.room import (
    MAX_MEMBERS_PER_CHANGE, MAX_PINS, DirectMessageMembersFixed, NotAMember, NotAModerator, Room,
    RoomNotFound, TooManyPins,
)

OWNER, ADMINLESS, OUTSIDER = uuid4(), uuid4(), uuid4()


def group(private=True, members=()):
    return Room.open_room("group", OWNER, "team", None, [ADMINLESS, *members], private, uuid4())


def test_the_creator_owns_a_room_and_the_others_are_members():
    room = group()
    assert room.role_of(OWNER) == "owner" and room.role_of(ADMINLESS) == "member"


def test_names_topics_and_kinds_are_validated():
    for kind, name, topic in (("forum", "x", None), ("group", "", None), ("group", "n" * 81, None),
                              ("group", "ok", "t" * 251)):
        with pytest.raises(InvalidInput):
            Room.open_room(kind, OWNER, name, topic, [], False, uuid4())


def test_a_dm_id_is_the_same_whoever_opens_it():
    a, b = uuid4(), uuid4()
    assert Room.open_dm(a, b).id == Room.open_dm(b, a).id == dm_room_id(a, b)
    with pytest.raises(InvalidInput):
        Room.open_dm(a, a)


def test_a_dm_keeps_its_two_members():
    dm = Room.open_dm(OWNER, ADMINLESS)
    with pytest.raises(DirectMessageMembersFixed):
        dm.add_members([OUTSIDER], OWNER)
    with pytest.raises(DirectMessageMembersFixed):
        dm.remove_member(ADMINLESS, OWNER)


def test_anyone_joins_a_public_room_but_only_moderators_invite_to_a_private_one():
    public = group(private=False)
    assert public.add_members([OUTSIDER], OUTSIDER) == [OUTSIDER]
    private = group(private=True)
    with pytest.raises(RoomNotFound):
        private.add_members([OUTSIDER], OUTSIDER)
    with pytest.raises(NotAModerator):
        private.add_members([OUTSIDER], ADMINLESS)
    assert private.add_members([OUTSIDER, OUTSIDER], OWNER) == [OUTSIDER]
    assert private.add_members([OUTSIDER], OWNER) == []


def test_members_are_added_at_most_a_hundred_at_a_time():
    room = group()
    with pytest.raises(InvalidInput):
        room.add_members([uuid4() for _ in range(MAX_MEMBERS_PER_CHANGE + 1)], OWNER)
    assert len(room.add_members([uuid4() for _ in range(MAX_MEMBERS_PER_CHANGE)], OWNER)) == 100


def test_only_a_higher_role_removes_someone_else():
    room = group(members=[OUTSIDER])
    with pytest.raises(NotAModerator):
        room.remove_member(OUTSIDER, ADMINLESS)
    assert room.remove_member(ADMINLESS, ADMINLESS)  # leaving
    assert room.remove_member(OUTSIDER, OWNER)
    assert not room.is_member(OUTSIDER)


def test_when_the_owner_leaves_the_longest_standing_member_takes_over():
    room = group()
    room.remove_member(OWNER, OWNER)
    assert room.role_of(ADMINLESS) == "owner"


def test_outsiders_cannot_act():
    public = group(private=False)
    with pytest.raises(NotAMember):
        public.set_muted(OUTSIDER, True)
    with pytest.raises(RoomNotFound):
        group(private=True).pin(uuid4(), OUTSIDER)


def test_mutes_are_per_member_and_idempotent():
    room = group()
    assert room.set_muted(ADMINLESS, True) and not room.set_muted(ADMINLESS, True)
    assert room.is_muted_by(ADMINLESS) and not room.is_muted_by(OWNER)


def test_pins_are_capped():
    room = group()
    for _ in range(MAX_PINS):
        room.pin(uuid4(), ADMINLESS)
    with pytest.raises(TooManyPins):
        room.pin(uuid4(), ADMINLESS)
    first = room.pinned[0]
    assert room.unpin(UUID(first), OWNER) and len(room.pinned) == MAX_PINS - 1
