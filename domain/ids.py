"""Ids. Deterministic ones: natural keys become aggregate ids, so uniqueness needs no query.
Random ones: as uuid4() makes them, with the system call amortised."""

import os
import threading
from uuid import NAMESPACE_URL, UUID, uuid5

_IDS_PER_READ = 256
_local = threading.local()


def random_id() -> UUID:
    """A random (version 4) UUID from os.urandom, read 256 ids at a time per thread: uuid4()
    makes one system call per id, and each lets every other thread at the GIL."""
    try:
        raw = _local.pool.pop()
    except (AttributeError, IndexError):
        data = os.urandom(16 * _IDS_PER_READ)
        _local.pool = [data[i:i + 16] for i in range(0, len(data), 16)]
        raw = _local.pool.pop()
    return UUID(bytes=raw, version=4)


def _forget_pool_in_child() -> None:
    global _local
    _local = threading.local()  # a forked child must never hand out its parent's ids


os.register_at_fork(after_in_child=_forget_pool_in_child)


def account_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/usernames/{username.lower()}")


def dm_room_id(user_a: UUID, user_b: UUID) -> UUID:
    first, second = sorted((user_a, user_b))
    return uuid5(NAMESPACE_URL, f"/dms/{first}/{second}")


def message_id(room_id: UUID, author_id: UUID, client_key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/rooms/{room_id}/authors/{author_id}/sends/{client_key}")


def read_marker_id(user_id: UUID, room_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/rooms/{room_id}/readers/{user_id}")
