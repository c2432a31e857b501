"""MsgspecTranscoder: exact round trips, refusals, and use through eventsourcing."""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import msgspec
import pytest
from eventsourcing.application import Application
from eventsourcing.cipher import AESCipher
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import InfrastructureFactory, Mapper
from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.adapters.eventstore.transcoder import MsgspecTranscoder

TRANSCODER_TOPIC = "hubbub.adapters.eventstore.transcoder:MsgspecTranscoder"
transcoder = MsgspecTranscoder()


def round_trip(value: Any) -> Any:
    encoded = transcoder.encode(value)
    assert type(encoded) is bytes
    return transcoder.decode(encoded)


def assert_exact(expected: Any, actual: Any, path: str = "$") -> None:
    """Equal, of the same type, all the way down; NaN, -0.0 and tzinfo included."""
    assert type(actual) is type(expected), f"{path}: {type(actual)} is not {type(expected)}"
    if type(expected) is dict:
        assert len(actual) == len(expected), path
        for (key, value), (actual_key, actual_value) in zip(expected.items(), actual.items(), strict=True):
            assert_exact(key, actual_key, f"{path} key {key!r}")
            assert_exact(value, actual_value, f"{path}[{key!r}]")
    elif type(expected) is list:
        assert len(actual) == len(expected), path
        for index, (item, actual_item) in enumerate(zip(expected, actual, strict=True)):
            assert_exact(item, actual_item, f"{path}[{index}]")
    elif type(expected) is float:
        assert expected.hex() == actual.hex(), f"{path}: {actual!r} != {expected!r}"
    elif type(expected) is Decimal:
        assert expected.as_tuple() == actual.as_tuple(), f"{path}: {actual!r} != {expected!r}"
    elif type(expected) is datetime:
        assert_same_datetime(expected, actual, path)
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def assert_same_datetime(expected: datetime, actual: datetime, path: str) -> None:
    assert actual.replace(tzinfo=None) == expected.replace(tzinfo=None), f"{path}: wall clock"
    assert actual.fold == expected.fold, f"{path}: fold"
    assert type(actual.tzinfo) is type(expected.tzinfo), f"{path}: tzinfo type"
    assert actual.tzinfo == expected.tzinfo, f"{path}: {actual.tzinfo!r} != {expected.tzinfo!r}"
    assert actual.utcoffset() == expected.utcoffset(), f"{path}: offset"
    assert actual.tzname() == expected.tzname(), f"{path}: tzname"
    assert actual == expected, path


# --- one value at a time ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        2**63 - 1,
        -(2**63),
        2**64 - 1,  # largest msgpack uint
        2**64,  # from here on, an extension value
        -(2**63) - 1,
        10**100,
        -(10**100),
        0.0,
        -0.0,
        1.5,
        float("inf"),
        float("-inf"),
        float("nan"),
        "",
        "héllo 👋",
        b"",
        b"\x00\xff",
        uuid4(),
        UUID(int=0),
        date(2024, 2, 29),
        date.min,
        date.max,
    ],
    ids=repr,
)
def test_scalar_round_trips_exactly(value: Any) -> None:
    assert_exact({"value": value}, round_trip({"value": value}))


@pytest.mark.parametrize(
    "text",
    ["1.10", "1.1", "0.000", "-0", "0E-7", "1E+1000", "-1.5E-300", "NaN", "-NaN", "sNaN", "NaN123",
     "Infinity", "-Infinity", "3.14159265358979323846264338327950288419716939937510582097494459"],
)
def test_decimal_keeps_value_sign_exponent_and_precision(text: str) -> None:
    value = Decimal(text)
    actual = round_trip({"amount": value})["amount"]
    assert type(actual) is Decimal
    assert actual.as_tuple() == value.as_tuple()
    assert str(actual) == text or str(actual) == str(value)


def test_uuid_comes_back_a_real_uuid() -> None:
    value = uuid4()
    actual = round_trip({"id": value})["id"]
    assert type(actual) is UUID
    assert actual == value
    assert hash(actual) == hash(value)
    assert str(actual) == str(value)
    assert actual.version == 4
    assert actual.is_safe == value.is_safe
    assert pickle.loads(pickle.dumps(actual)) == value
    assert {actual: 1}[value] == 1


@pytest.mark.parametrize(
    "tz",
    [
        timezone.utc,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
        timezone(timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)),
        timezone(-timedelta(seconds=1, microseconds=1)),
        timezone(timedelta(microseconds=1)),  # fromisoformat would read it back as UTC
        timezone(timedelta(seconds=-1)),
        timezone(timedelta(hours=1), "CET"),
        timezone(timedelta(0), "Zulu"),
        ZoneInfo("Europe/London"),
        ZoneInfo("America/New_York"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("UTC"),
    ],
    ids=repr,
)
@pytest.mark.parametrize(
    "wall_clock",
    [
        datetime(2024, 6, 1, 12, 30, 45, 123456),
        datetime(1, 1, 2, 0, 0),
        datetime(9999, 12, 30, 23, 59, 59, 999999),
        datetime(2021, 11, 7, 1, 30),  # ambiguous in New York
        datetime(2021, 11, 7, 1, 30, fold=1),  # its second occurrence
        datetime(2021, 3, 14, 2, 30),  # does not exist in New York
    ],
    ids=repr,
)
def test_aware_datetime_keeps_wall_clock_fold_and_tzinfo(wall_clock: datetime, tz: tzinfo) -> None:
    value = wall_clock.replace(tzinfo=tz)
    assert_exact({"at": value}, round_trip({"at": value}))


def test_utc_datetime_comes_back_with_the_utc_singleton() -> None:
    value = datetime.now(timezone.utc)
    assert round_trip({"at": value})["at"].tzinfo is timezone.utc


def test_naive_datetime_is_refused() -> None:
    # An event is kept for ever; a naive time means something else on each host.
    with pytest.raises(TypeError, match="naive datetime"):
        transcoder.encode({"at": datetime(2024, 1, 1, 12, 0)})


def test_nested_containers_round_trip() -> None:
    room, member = uuid4(), uuid4()
    value = {
        "members": {member: {"joined": datetime.now(timezone.utc), "roles": ["admin", "owner"]}},
        "history": [[1, [2, [3, {"deep": Decimal("0.10")}]]], {}, []],
        "mixed keys": {"name": "general", room: None},
        "empty": {},
    }
    assert_exact(value, round_trip(value))


def test_tuples_come_back_as_lists() -> None:
    # Documented: the domain uses lists, and msgpack has a single array type.
    assert round_trip({"pair": (1, (2, "x"))}) == {"pair": [1, [2, "x"]]}


class Colour(Enum):
    RED = 1


class MyStr(str):
    pass


class LocalTime(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=2)


@pytest.mark.parametrize(
    "value",
    [
        object(),
        {1, 2},
        frozenset(),
        bytearray(b"x"),
        Colour.RED,
        MyStr("x"),
        timedelta(seconds=1),
        datetime(2024, 1, 1).time(),
        datetime(2024, 1, 1, tzinfo=LocalTime()),
        [1, [2, {"deeper": object()}]],
    ],
    ids=repr,
)
def test_unsupported_value_raises_type_error_naming_the_type(value: Any) -> None:
    with pytest.raises(TypeError, match="MsgspecTranscoder cannot encode"):
        transcoder.encode({"value": value})


@pytest.mark.parametrize("key", [1, 1.5, None, (1, 2), date(2024, 1, 1)], ids=repr)
def test_dict_keys_other_than_str_or_uuid_are_refused(key: Any) -> None:
    with pytest.raises(TypeError, match="dict key"):
        transcoder.encode({"map": {key: 1}})


def test_unknown_extension_type_is_refused_on_decode() -> None:
    foreign = msgspec.msgpack.encode({"x": msgspec.msgpack.Ext(99, b"")})
    with pytest.raises(ValueError, match="extension type 99"):
        transcoder.decode(foreign)


# --- property: any nesting of supported values -------------------------------------

fixed_offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
timezones = st.one_of(
    st.just(timezone.utc),
    st.builds(timezone, fixed_offsets),
    st.builds(timezone, fixed_offsets, st.text(min_size=1, max_size=8)),
    st.timezones(),
)
aware_datetimes = st.builds(
    lambda wall_clock, tz, fold: wall_clock.replace(tzinfo=tz, fold=fold),
    st.datetimes(),
    timezones,
    st.integers(0, 1),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.uuids(),
    st.decimals(),
    st.dates(),
    aware_datetimes,
)
nested_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10) | st.uuids(), children, max_size=5),
    max_leaves=30,
)
event_states = st.dictionaries(st.text(max_size=20), nested_values, max_size=8)


@settings(max_examples=300, deadline=None)
@given(event_states)
def test_any_nesting_of_supported_values_round_trips_exactly(state: dict[str, Any]) -> None:
    assert_exact(state, round_trip(state))


# --- through eventsourcing: factory, mapper, cipher, compressor, aggregate --------


class ChatRoom(Aggregate):
    @event("Opened")
    def __init__(self, name: str, owner_id: UUID) -> None:
        self.name = name
        self.owner_id = owner_id
        self.messages: list[dict[str, Any]] = []

    @event("MessagePosted")
    def post(
        self, author_id: UUID, text: str, sent_at: datetime, tip: Decimal, mentions: dict[UUID, str]
    ) -> None:
        self.messages.append(
            {"author_id": author_id, "text": text, "sent_at": sent_at, "tip": tip, "mentions": mentions}
        )


def secure_env() -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
        "CIPHER_KEY": AESCipher.create_key(16),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }


def open_room_with_a_message() -> ChatRoom:
    room = ChatRoom(name="general", owner_id=uuid4())
    someone = uuid4()
    room.post(
        author_id=uuid4(),
        text="the secret plan",
        sent_at=datetime(2024, 5, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris")),
        tip=Decimal("2.50"),
        mentions={someone: "@someone"},
    )
    return room


def test_factory_builds_mapper_with_this_transcoder_cipher_and_compressor() -> None:
    mapper: Mapper[UUID] = InfrastructureFactory.construct(secure_env()).mapper()
    assert isinstance(mapper.transcoder, MsgspecTranscoder)
    assert isinstance(mapper.cipher, AESCipher)
    assert isinstance(mapper.compressor, ZlibCompressor)


def test_aggregate_events_round_trip_through_mapper_with_cipher_and_compressor() -> None:
    mapper: Mapper[UUID] = InfrastructureFactory.construct(secure_env()).mapper()
    room = open_room_with_a_message()
    domain_events = room.collect_events()

    stored_events = [mapper.to_stored_event(domain_event) for domain_event in domain_events]
    assert all(b"secret plan" not in stored.state for stored in stored_events)  # encrypted
    copies = [mapper.to_domain_event(stored) for stored in stored_events]

    for original, copy in zip(domain_events, copies, strict=True):
        assert type(copy) is type(original)
        assert vars(copy).keys() == vars(original).keys()
        for field, value in vars(original).items():
            assert_exact(value, getattr(copy, field), path=field)
    rebuilt = None
    for copy in copies:
        rebuilt = copy.mutate(rebuilt)
    assert isinstance(rebuilt, ChatRoom)
    assert_exact(room.messages, rebuilt.messages)
    assert rebuilt.owner_id == room.owner_id


def test_application_saves_and_replays_an_aggregate_with_this_transcoder() -> None:
    app: Application[UUID] = Application(env=secure_env() | {"IS_SNAPSHOTTING_ENABLED": "y"})
    room = open_room_with_a_message()
    app.save(room)
    app.take_snapshot(room.id)

    replayed = app.repository.get(room.id)

    assert_exact(room.messages, replayed.messages)
    assert replayed.version == room.version
    assert isinstance(app.mapper.transcoder, MsgspecTranscoder)

