from uuid import uuid4

import pytest

from hubbub.domain.errors import InvalidInput
from hubbub.domain.mentions import mentioned_usernames
from hubbub.domain.read_marker import ReadMarker
from hubbub.domain.room import Room, RoomNotFound

OWNER, MEMBER = uuid4(), uuid4()


def test_a_read_marker_only_moves_forward():
    room = Room.open_room("group", OWNER, "team", None, [MEMBER], True, uuid4())
    marker = ReadMarker.start(room, MEMBER, 5)
    assert not marker.advance(room, 3) and not marker.advance(room, 5)
    assert marker.advance(room, 9) and marker.position == 9
    for bad in (-1, True, "7"):
        with pytest.raises(InvalidInput):
            marker.advance(room, bad)


def test_a_removed_member_cannot_mark_read():
    room = Room.open_room("group", OWNER, "team", None, [MEMBER], True, uuid4())
    marker = ReadMarker.start(room, MEMBER, 1)
    room.remove_member(MEMBER, OWNER)
    with pytest.raises(RoomNotFound):
        marker.advance(room, 2)


@pytest.mark.parametrize(("body", "names"), [
    ("hi @Ann and @bob_2!", ["ann", "bob_2"]),
    ("mail me at x@example.com", []),
    ("@ann @ann @ab", ["ann"]),
    ("thanks @bob.", ["bob.", "bob"]),
    ("@@ann", []),
])
def test_mentions_are_found_as_written(body, names):
    assert mentioned_usernames(body) == names
