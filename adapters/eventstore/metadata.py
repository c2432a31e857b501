"""Stamps who-did-what-through-which-request into every stored event, outside the domain's fields.

The domain event carries the actor and the time; correlation and causation ids belong to the
request, so they travel as metadata under one reserved key of the stored state and are taken
off again before the domain sees the event. Log consumers get them beside the event
(`LoggedEvent.metadata`: the event log decodes with `split_metadata`).
"""

from __future__ import annotations

from typing import Any

from hubbub.application.context import current_metadata

from .transcoder import MsgspecTranscoder

METADATA_KEY = "__meta__"


class MetadataTranscoder(MsgspecTranscoder):
    def encode(self, obj: Any) -> bytes:
        metadata = current_metadata()
        if metadata and isinstance(obj, dict):
            obj = {**obj, METADATA_KEY: metadata}
        return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        state, _ = self.split_metadata(data)
        return state

    def split_metadata(self, data: bytes) -> tuple[Any, dict[str, Any]]:
        state = super().decode(data)
        if isinstance(state, dict):
            return state, state.pop(METADATA_KEY, None) or {}
        return state, {}
