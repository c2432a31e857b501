"""Read store adapters: where projections keep their documents (HUBBUB_READ_STORE_URL)."""

from __future__ import annotations

from pathlib import Path

from hubbub.adapters.settings import MONGODB_TIMEOUT_S
from hubbub.projections.store import ReadStore


def open_read_store(read_store_url: str, data_dir: str, mongodb_timeout_s: float = MONGODB_TIMEOUT_S) -> ReadStore:
    """Empty URL: the embedded store under data_dir/readmodels; mongodb://…: MongoDB, whose every
    call gives up after `mongodb_timeout_s`."""
    if not read_store_url:
        from .sqlite_store import SQLiteReadStore

        return SQLiteReadStore(Path(data_dir) / "readmodels")
    if read_store_url.startswith(("mongodb://", "mongodb+srv://")):
        from .mongodb import MongoReadStore

        return MongoReadStore(read_store_url, mongodb_timeout_s)
    raise ValueError("HUBBUB_READ_STORE_URL must be empty (embedded) or a mongodb:// URL")
