"""Replayed state equals live state: random commands, events through the real mapper, rebuild."""

from uuid import uuid4

from eventsourcing.persistence import Mapper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.adapters.eventstore.metadata import MetadataTranscoder
from hubbub.domain.errors import DomainError
from hubbub.domain.message import Message
from hubbub.domain.room import Room

PEOPLE = [uuid4() for _ in range(5)]
MAPPER = Mapper(transcoder=MetadataTranscoder())

person = st.sampled_from(PEOPLE)
room_commands = st.one_of(
    st.tuples(st.just("add"), st.lists(person, min_size=1, max_size=3), person),
    st.tuples(st.just("remove"), person, person),
    st.tuples(st.just("mute"), person, st.booleans()),
    st.tuples(st.just("pin"), person, st.sampled_from([uuid4() for _ in range(3)])),
    st.tuples(st.just("unpin"), person, st.sampled_from([uuid4() for _ in range(3)])),
)
message_commands = st.one_of(
    st.tuples(st.just("edit"), person, st.text(min_size=1, max_size=20)),
    st.tuples(st.just("react"), person, st.sampled_from(["👍", "🎉", ":x:"])),
    st.tuples(st.just("unreact"), person, st.sampled_from(["👍", "🎉", ":x:"])),
    st.tuples(st.just("delete"), person, st.none()),
)


def apply_room(room, command):
    name, a, b = command
    actions = {
        "add": lambda: room.add_members(a, b),
        "remove": lambda: room.remove_member(a, b),
        "mute": lambda: room.set_muted(a, b),
        "pin": lambda: room.pin(b, a),
        "unpin": lambda: room.unpin(b, a),
    }
    try:
        actions[name]()
    except DomainError:
        pass  # refused commands append nothing, which the comparison also checks


def apply_message(message, room, command):
    name, actor, arg = command
    actions = {
        "edit": lambda: message.edit(room, arg, [actor], actor),
        "react": lambda: message.add_reaction(room, arg, actor),
        "unreact": lambda: message.remove_reaction(room, arg, actor),
        "delete": lambda: message.delete(room, actor),
    }
    try:
        actions[name]()
    except DomainError:
        pass


def replayed(events):
    aggregate = None
    for event in events:
        aggregate = MAPPER.to_domain_event(MAPPER.to_stored_event(event)).mutate(aggregate)
    return aggregate


def state(aggregate):
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(room_commands, max_size=25), st.lists(message_commands, max_size=25))
def test_replayed_state_equals_live_state(room_script, message_script):
    room = Room.open_room("group", PEOPLE[0], "team", "topic", PEOPLE[1:3], False, uuid4())
    message = Message.compose(room, PEOPLE[1], "hello", [PEOPLE[2]], None, uuid4())
    for command in room_script:
        apply_room(room, command)
    for command in message_script:
        apply_message(message, room, command)
    assert state(replayed(room.collect_events())) == state(room)
    assert state(replayed(message.collect_events())) == state(message)
