"""Services and projected read models on a SQLite store in a folder, for tests that reopen it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from hubbub.adapters.bootstrap import bootstrap, bootstrap_read_models
from hubbub.adapters.settings import Settings
from hubbub.application.services import Services
from tests.contract.fakes import PlainHasher


@contextmanager
def serviced(data_dir: Path, events_path: str | None = None) -> Iterator[tuple[Services, Settings]]:
    """Services on `events_path` (a new SQLite file in `data_dir` when None), closed afterwards."""
    path = events_path or str(data_dir / "events.sqlite3")
    settings = Settings(data_dir=str(data_dir), event_store_url=f"sqlite:///{path}", projections="thread")
    services = bootstrap(settings, hasher=PlainHasher())
    try:
        yield services, settings
    finally:
        services.close()


def projected_rooms_of(settings: Settings, services: Services, user_id: UUID) -> list[dict]:
    """The user's rooms as a fresh projection of the whole log reads them."""
    read_models = bootstrap_read_models(settings, services)
    try:
        read_models.wait_for(services.app.head(), timeout=10)
        return read_models.rooms_of(user_id)
    finally:
        read_models.close()
