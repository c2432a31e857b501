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

__all__ = ["ERASED", "rewrite", "rewrite_each"]

Rewrite = tuple[str, dict[str, Any], Callable[[Document], None]]  # (collection, filter, change)


def rewrite(batch: Batch, collection: str, filter: dict[str, Any], change: Callable[[Document], None]) -> None:
    """Apply `change` to every committed document matching `filter`, in this batch."""
    rewrite_each(batch, (collection, filter, change))


def rewrite_each(batch: Batch, *rewrites: Rewrite) -> None:
    """rewrite() for several collections: all found on the committed store before any is changed."""
    if batch.dirty_count:
        raise NeedsCommit()
    found = [(collection, batch.store.find(collection, filter), change) for collection, filter, change in rewrites]
    for collection, docs, change in found:
        for doc in docs:
            change(batch.edit(collection, doc["_id"]))
