"""What a projector does when a user's data is erased: rewrite what it already folded.

Events folded after the erasure (and every event in a rebuild) decode to "[erased]" already;
documents folded before it still hold the text, so each projection that keeps personal data
rewrites its documents of that user. Erasures are rare, so the documents are found by a
filter on the committed store (a scan where the field has no index) after the pending batch
is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hubbub.domain.audit import ERASED

from .runtime.batch import Batch
from .projector import NeedsCommit
from .store import Document

__all__ = ["ERASED", "rewrite"]


def rewrite(batch: Batch, collection: str, filter: dict[str, Any], change: Callable[[Document], None]) -> None:
    """Apply `change` to every committed document matching `filter`, in this batch."""
    if batch.dirty_count:
        raise NeedsCommit()
    for found in batch.store.find(collection, filter):
        change(batch.edit(collection, found["_id"]))
