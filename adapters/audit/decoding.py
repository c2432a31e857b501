"""Stored notifications as the audit sees them: the domain event, its metadata, its data as JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.persistence import Mapper, Notification

from hubbub.adapters.eventstore.metadata import MetadataTranscoder
from hubbub.projections.runtime.consumer import LoggedEvent
from hubbub.projections.runtime.log import current_notification

_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
# Credentials stay in the log for the application's sake; an auditor never needs to read them.
SECRETS = frozenset({"password_hash", "token_id"})
REDACTED = "[redacted]"


def logged_event(mapper: Mapper, notification: Notification) -> LoggedEvent:
    notification = current_notification(notification)
    return LoggedEvent(
        position=notification.id, topic=notification.topic, originator_id=notification.originator_id,
        originator_version=notification.originator_version, event=mapper.to_domain_event(notification),
        metadata=metadata_of(mapper, notification.state),
    )


def metadata_of(mapper: Mapper, state: bytes) -> dict[str, Any]:
    transcoder = mapper.transcoder
    if not isinstance(transcoder, MetadataTranscoder):
        return {}
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return transcoder.split_metadata(state)[1]


def event_data(event: Any) -> dict[str, Any]:
    """The event's own fields (not the envelope every event has), as JSON values."""
    return as_json({k: v for k, v in vars(event).items() if k not in _ENVELOPE})


def as_json(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as JSON values, credentials redacted."""
    shown = {k: REDACTED if k in SECRETS else v for k, v in fields.items()}
    return msgspec.to_builtins(shown, str_keys=True)


def item(doc: dict[str, Any], event: Any) -> dict[str, Any]:
    """An index document and its event, as the contract's audit item."""
    keys = ("position", "aggregate_id", "aggregate_type", "version", "type", "at", "actor_id",
            "correlation_id", "causation_id")
    return {**{k: doc.get(k) for k in keys}, "data": event_data(event)}
