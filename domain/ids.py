"""Deterministic ids: natural keys become aggregate ids, so uniqueness needs no query."""

from uuid import NAMESPACE_URL, UUID, uuid5


def account_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/usernames/{username.lower()}")


def dm_room_id(user_a: UUID, user_b: UUID) -> UUID:
    first, second = sorted((user_a, user_b))
    return uuid5(NAMESPACE_URL, f"/dms/{first}/{second}")


def message_id(room_id: UUID, author_id: UUID, client_key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/rooms/{room_id}/authors/{author_id}/sends/{client_key}")


def read_marker_id(user_id: UUID, room_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/rooms/{room_id}/readers/{user_id}")
