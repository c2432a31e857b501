"""MessagePack transcoder for event state, built on msgspec.

Supported values, nested arbitrarily: None, bool, int (any size), float, str, bytes,
UUID, tz-aware datetime, date, Decimal, list, tuple and dict (keys str or UUID).
Every one of them comes back with its exact type and value, except that tuples come
back as lists (the domain model uses lists). Anything else raises TypeError, and so
do naive datetimes: an event is kept forever, and a wall-clock time without an
offset means something different on every host that replays it.

msgspec would encode UUID, datetime and Decimal natively as strings (and datetimes
converted to UTC), which would not round-trip, so encode() first rewrites those
values as MessagePack extension values; decode() stays in msgspec's C decoder and
only calls back into Python once per extension value. Datetimes whose tzinfo is
``timezone.utc`` (what eventsourcing stamps on every event) need no extension at
all: msgspec writes them as the standard MessagePack timestamp and decodes them
back to ``timezone.utc`` in C.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, Final
from uuid import UUID, SafeUUID
from zoneinfo import ZoneInfo

import msgspec
from eventsourcing.persistence import Transcoder
from msgspec.msgpack import Ext

# Extension type codes. They are stored in events: never renumber or reuse one.
EXT_UUID: Final = 1
EXT_DECIMAL: Final = 2
EXT_DATETIME_OFFSET: Final = 3
EXT_DATETIME_ZONED: Final = 4
EXT_DATE: Final = 5
EXT_BIG_INT: Final = 6
EXT_UUID_KEYED_DICT: Final = 7

_INT64_MIN: Final = -(2**63)
_UINT64_MAX: Final = 2**64 - 1
_PASS_THROUGH: Final = frozenset({str, float, bool, bytes, type(None)})
_ONE_MINUTE: Final = timedelta(minutes=1)
_ZERO: Final = timedelta(0)


class _ZonedWallClock(msgspec.Struct, array_like=True, frozen=True):
    """A datetime the ISO offset form cannot carry exactly: an IANA zone, a named
    fixed offset, or fold=1. The wall clock is kept as written, with its fold,
    because datetimes sharing a tzinfo compare by wall clock, not by instant."""

    wall_clock: str
    fold: int
    zone_key: str | None = None
    offset_us: int | None = None
    offset_name: str | None = None


_msgpack_encoder: Final = msgspec.msgpack.Encoder()
_zoned_decoder: Final = msgspec.msgpack.Decoder(_ZonedWallClock)


def _unsupported(obj: object, where: str = "value") -> TypeError:
    return TypeError(
        f"MsgspecTranscoder cannot encode {where} of type {type(obj).__qualname__!r}: "
        f"{reprlib.repr(obj)}. Supported: None, bool, int, float, str, bytes, UUID, tz-aware "
        "datetime, date, Decimal, list, tuple, and dict with str or UUID keys."
    )


# --- encoding: Python value -> msgpack-ready value ------------------------------


def _to_wire(obj: Any) -> Any:
    kind = type(obj)
    if kind in _PASS_THROUGH:
        return obj
    if kind is dict:
        return _dict_to_wire(obj)
    if kind is list or kind is tuple:
        return [_to_wire(item) for item in obj]
    if kind is int:
        return obj if _INT64_MIN <= obj <= _UINT64_MAX else _big_int_to_ext(obj)
    if kind is datetime:
        return _datetime_to_wire(obj)
    to_ext = _EXT_ENCODERS.get(kind)
    if to_ext is None:
        raise _unsupported(obj)
    return to_ext(obj)


def _dict_to_wire(mapping: dict[Any, Any]) -> dict[str, Any] | Ext:
    wire = {}
    for key, value in mapping.items():
        if type(key) is not str:
            return _uuid_keyed_dict_to_ext(mapping)
        wire[key] = _to_wire(value)
    return wire


def _uuid_keyed_dict_to_ext(mapping: dict[Any, Any]) -> Ext:
    # A Python dict cannot hold an Ext as a key (Ext is unhashable), so a dict with
    # UUID keys travels as a flat [key, value, key, value, ...] list instead.
    pairs = []
    for key, value in mapping.items():
        if type(key) is not str and type(key) is not UUID:
            raise _unsupported(key, where="dict key")
        pairs.append(_to_wire(key))
        pairs.append(_to_wire(value))
    return Ext(EXT_UUID_KEYED_DICT, _msgpack_encoder.encode(pairs))


def _big_int_to_ext(value: int) -> Ext:
    length = (value.bit_length() + 8) // 8  # +8 leaves room for the sign bit
    return Ext(EXT_BIG_INT, value.to_bytes(length, "big", signed=True))


def _datetime_to_wire(value: datetime) -> datetime | Ext:
    tz = value.tzinfo
    if tz is None:
        raise TypeError(
            f"MsgspecTranscoder refuses naive datetime {value!r}: "
            "give it a tzinfo (eventsourcing stamps events with timezone.utc)"
        )
    if value.fold:
        return _zoned_datetime_to_ext(value, tz)
    if tz is timezone.utc:
        return value  # msgpack timestamp: decoded in C, back to timezone.utc
    if type(tz) is timezone and _is_plain_offset(tz):
        return Ext(EXT_DATETIME_OFFSET, value.isoformat().encode("ascii"))
    return _zoned_datetime_to_ext(value, tz)


def _zoned_datetime_to_ext(value: datetime, tz: tzinfo) -> Ext:
    wall_clock = value.replace(tzinfo=None, fold=0).isoformat()
    if type(tz) is ZoneInfo and tz.key is not None:
        zoned = _ZonedWallClock(wall_clock, value.fold, zone_key=tz.key)
    elif type(tz) is timezone:
        offset_us = _fixed_offset(tz) // timedelta(microseconds=1)
        name = _custom_name(tz)
        zoned = _ZonedWallClock(wall_clock, value.fold, offset_us=offset_us, offset_name=name)
    else:
        raise _unsupported(tz, where="tzinfo (use datetime.timezone or a keyed ZoneInfo)")
    return Ext(EXT_DATETIME_ZONED, _msgpack_encoder.encode(zoned))


def _fixed_offset(tz: timezone) -> timedelta:
    offset = tz.utcoffset(None)
    assert offset is not None  # a timezone always has one
    return offset


def _is_plain_offset(tz: timezone) -> bool:
    """Whether fromisoformat(isoformat()) gives this timezone back exactly: it must
    have its default name, and whole minutes (CPython 3.11 reads "+00:00:00.000001"
    back as UTC)."""
    return _fixed_offset(tz) % _ONE_MINUTE == _ZERO and _custom_name(tz) is None


def _custom_name(tz: timezone) -> str | None:
    """The name given to timezone(offset, name), or None if it has the default one."""
    name = tz.tzname(None)
    return None if name == timezone(_fixed_offset(tz)).tzname(None) else name


_EXT_ENCODERS: Final[dict[type, Callable[[Any], Ext]]] = {
    UUID: lambda value: Ext(EXT_UUID, value.bytes),
    Decimal: lambda value: Ext(EXT_DECIMAL, str(value).encode("ascii")),
    date: lambda value: Ext(EXT_DATE, value.isoformat().encode("ascii")),
}


# --- decoding: extension value -> Python value ---------------------------------
# _ext_hook runs once per extension value in a replay of millions of events, so it
# avoids every Python-level step it can.

_new_object = object.__new__
_int_from_bytes = int.from_bytes
_from_iso_datetime = datetime.fromisoformat
_from_iso_date = date.fromisoformat
# UUID's slot descriptors. Setting them directly is what UUID.__setstate__ does (via
# object.__setattr__), minus the attribute lookup and UUID.__init__'s checks.
_set_uuid_int = UUID.__dict__["int"].__set__
_set_uuid_is_safe = UUID.__dict__["is_safe"].__set__
_UUID_SAFETY_UNKNOWN: Final = SafeUUID.unknown


def _ext_hook(code: int, data: memoryview) -> Any:
    if code == EXT_UUID:
        # Built inline: UUIDs are most of the extension values in a replay, and
        # one more Python call would cost about as much as building the UUID.
        value = _new_object(UUID)
        _set_uuid_int(value, _int_from_bytes(data, "big"))
        _set_uuid_is_safe(value, _UUID_SAFETY_UNKNOWN)
        return value
    decode = _EXT_DECODERS.get(code)
    if decode is None:
        raise ValueError(f"MsgspecTranscoder cannot decode MessagePack extension type {code}")
    return decode(data)


def _decimal_from_ext(data: memoryview) -> Decimal:
    return Decimal(str(data, "ascii"))


def _offset_datetime_from_ext(data: memoryview) -> datetime:
    return _from_iso_datetime(str(data, "ascii"))


def _zoned_datetime_from_ext(data: memoryview) -> datetime:
    zoned = _zoned_decoder.decode(data)
    wall_clock = _from_iso_datetime(zoned.wall_clock)
    return wall_clock.replace(tzinfo=_zoned_tzinfo(zoned), fold=zoned.fold)


def _zoned_tzinfo(zoned: _ZonedWallClock) -> tzinfo:
    if zoned.zone_key is not None:
        return ZoneInfo(zoned.zone_key)  # ZoneInfo caches instances by key
    if zoned.offset_us is None:
        raise ValueError(f"MsgspecTranscoder: zoned datetime without zone or offset: {zoned!r}")
    offset = timedelta(microseconds=zoned.offset_us)
    return timezone(offset) if zoned.offset_name is None else timezone(offset, zoned.offset_name)


def _date_from_ext(data: memoryview) -> date:
    return _from_iso_date(str(data, "ascii"))


def _big_int_from_ext(data: memoryview) -> int:
    return _int_from_bytes(data, "big", signed=True)


def _uuid_keyed_dict_from_ext(data: memoryview) -> dict[Any, Any]:
    flat = iter(_msgpack_decoder.decode(data))
    return dict(zip(flat, flat, strict=True))


_EXT_DECODERS: Final[dict[int, Callable[[memoryview], Any]]] = {
    EXT_DECIMAL: _decimal_from_ext,
    EXT_DATETIME_OFFSET: _offset_datetime_from_ext,
    EXT_DATETIME_ZONED: _zoned_datetime_from_ext,
    EXT_DATE: _date_from_ext,
    EXT_BIG_INT: _big_int_from_ext,
    EXT_UUID_KEYED_DICT: _uuid_keyed_dict_from_ext,
}

_msgpack_decoder: Final = msgspec.msgpack.Decoder(ext_hook=_ext_hook)


class MsgspecTranscoder(Transcoder):
    """Exact MessagePack transcoding of event state (see the module docstring)."""

    def encode(self, obj: Any) -> bytes:
        return _msgpack_encoder.encode(_to_wire(obj))

    def decode(self, data: bytes) -> Any:
        return _msgpack_decoder.decode(data)
