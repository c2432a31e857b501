"""Personal data sealed with its subject's key as events are stored (crypto-shredding).

Which fields are personal, and whose they are (PERSONAL below; snapshots of accounts and
sessions too). Each such field is stored as SEALED_PREFIX + subject id + nonce + AES-GCM
ciphertext, the subject and field name bound in as associated data. Reading opens it with the
subject's key; once the key is destroyed the field reads "[erased]". Events stored before
sealing was on hold plaintext and are passed through as they are.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from hubbub.application.app import Hubbub
from hubbub.application.topics import current_topic
from hubbub.domain.audit import ERASED

from .keys import KeyStore

SEALED_PREFIX = b"\x01hubbub-sealed"
ERASURE_TOPIC = "hubbub.domain.audit:Erasure.Requested"
SNAPSHOT_TOPIC = "eventsourcing.domain:Snapshot"
# topic -> (personal fields, the field naming whose data they are)
PERSONAL: dict[str, tuple[tuple[str, ...], str]] = {
    "hubbub.domain.message:Message.Sent": (("body",), "author_id"),
    "hubbub.domain.message:Message.Edited": (("body",), "actor_id"),  # only the author edits
    "hubbub.domain.account:Account.Registered": (("username", "display_name"), "actor_id"),  # the account
    "hubbub.domain.session:Session.Opened": (("device_name",), "account_id"),
    "hubbub.domain.broadcast:Broadcast.Announced": (("title", "body"), "actor_id"),
}
# aggregate topic -> (personal fields, the field naming whose they are; "_id": the aggregate)
PERSONAL_IN_SNAPSHOTS: dict[str, tuple[tuple[str, ...], str]] = {
    "hubbub.domain.account:Account": (("username", "display_name"), "_id"),
    "hubbub.domain.session:Session": (("device_name",), "account_id"),
}
_NONCE = 12
_UUID = 16


class ShreddingMapper(Mapper):
    keys: KeyStore

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        found = self._personal(get_topic(type(domain_event)), vars(domain_event))
        if not found:
            return super().to_stored_event(domain_event)
        sealed = object.__new__(type(domain_event))
        state = dict(vars(domain_event))
        _apply(state, found, self._seal)
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        topic = current_topic(stored_event.topic)
        if topic == ERASURE_TOPIC:
            self.keys.forget(domain_event.user_id)
        found = self._personal(topic, vars(domain_event))
        if found:
            _apply(vars(domain_event), found, self._open)
        return domain_event

    def _personal(self, topic: str, state: dict[str, Any]) -> Personal | None:
        if topic == SNAPSHOT_TOPIC:
            rule = PERSONAL_IN_SNAPSHOTS.get(state.get("topic", ""))
            inner = state.get("state")
            if rule is None or not isinstance(inner, dict):
                return None
            subject = state["originator_id"] if rule[1] == "_id" else inner.get(rule[1])
            return Personal(rule[0], subject, nested=True)
        rule = PERSONAL.get(topic)
        return Personal(rule[0], state.get(rule[1]), nested=False) if rule else None

    def _seal(self, subject: UUID, field: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        cipher = self.keys.key_for_writing(subject)
        if cipher is None:
            return ERASED
        nonce = os.urandom(_NONCE)
        return SEALED_PREFIX + subject.bytes + nonce + cipher.encrypt(nonce, value.encode(), _aad(subject, field))

    def _open(self, subject: UUID, field: str, value: Any) -> Any:
        if not (isinstance(value, bytes) and value.startswith(SEALED_PREFIX)):
            return value
        sealed = value[len(SEALED_PREFIX):]
        owner = UUID(bytes=sealed[:_UUID])
        cipher = self.keys.key_for_reading(owner)
        if cipher is None:
            return ERASED
        nonce, ciphertext = sealed[_UUID:_UUID + _NONCE], sealed[_UUID + _NONCE:]
        return cipher.decrypt(nonce, ciphertext, _aad(owner, field)).decode()


@dataclass(frozen=True)
class Personal:
    fields: tuple[str, ...]
    subject: Any  # the user whose data the fields are
    nested: bool  # in a snapshot's aggregate state rather than in the event itself


def _apply(state: dict[str, Any], found: Personal, change: Callable[[UUID, str, Any], Any]) -> None:
    if not isinstance(found.subject, UUID):
        return
    target = state
    if found.nested:
        target = state["state"] = dict(state["state"])
    for field in found.fields:
        if field in target:
            target[field] = change(found.subject, field, target[field])


def _aad(subject: UUID, field: str) -> bytes:
    return subject.bytes + field.encode()


class ShreddingHubbub(Hubbub):
    """hubbub's application, its personal data sealed with keys from `keys`."""

    name = Hubbub.name  # the library names tables and settings after it: the same log, sealed or not

    def __init__(self, keys: KeyStore, *args: Any, **kwargs: Any):
        self.keys = keys
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        super().close()
        self.keys.close()

    def construct_mapper(self) -> Mapper:
        mapper = ShreddingMapper(transcoder=self.construct_transcoder(), cipher=self.factory.cipher(),
                                 compressor=self.factory.compressor())
        mapper.keys = self.keys
        return mapper
