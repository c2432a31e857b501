"""The hash chain over the log: each position's stored bytes, linked to the previous position.

digest(position) = SHA-256 over the stored record: topic, aggregate id, version and state (the
state as stored: metadata included, encrypted or compressed as it was written). The position is
left out of the digest, so an event moved to another position is recognised as moved.
hash(position) = SHA-256(hash(previous position), position, digest); GENESIS before the first.
"""

from __future__ import annotations

import hashlib
import struct

from eventsourcing.persistence import Notification

GENESIS = bytes(32)
_DIGEST_TAG = b"hubbub-audit-record-v1\x00"
_LINK_TAG = b"hubbub-audit-link-v1\x00"
_LENGTH = struct.Struct(">I")
_NUMBER = struct.Struct(">Q")


def digest(notification: Notification) -> bytes:
    topic = notification.topic.encode()
    originator = str(notification.originator_id).encode()
    state = bytes(notification.state)
    return hashlib.sha256(b"".join((
        _DIGEST_TAG, _LENGTH.pack(len(topic)), topic, _LENGTH.pack(len(originator)), originator,
        _NUMBER.pack(notification.originator_version), _LENGTH.pack(len(state)), state,
    ))).digest()


def link(previous: bytes, position: int, record_digest: bytes) -> bytes:
    return hashlib.sha256(_LINK_TAG + previous + _NUMBER.pack(position) + record_digest).digest()
