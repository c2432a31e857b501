"""The composition root: the one place that picks adapters and hands them to the application."""

from __future__ import annotations

from pathlib import Path

from hubbub.application.app import Hubbub
from hubbub.application.ports import PasswordHasher
from hubbub.application.services import Services
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.progress import LocalProgress, Progress, StoredProgress
from hubbub.projections.store import ReadStore

from .background.consumers import background_host
from .background.process import BackgroundProcess
from .eventstore.environment import application_env
from .passwords import Argon2Hasher
from .readstore import open_read_store
from .settings import Settings, check_projections, load_settings


def bootstrap(settings: Settings | None = None, hasher: PasswordHasher | None = None) -> Services:
    """Build the application on the configured event store; opens connections, so call it at start."""
    settings = settings or load_settings()
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = Hubbub(env=application_env(settings))
    hasher = hasher or Argon2Hasher(settings.password_time_cost, settings.password_memory_cost_kib)
    return Services.build(app, hasher)


def bootstrap_read_models(settings: Settings, services: Services, start: bool = True) -> ProjectedReadModels:
    """The read models on the configured read store, and the background host started (unless not
    `start`) where HUBBUB_PROJECTIONS says: in a child process (process), in a thread of this one
    (thread), or nowhere, `hubbub projections run` running apart (off). close() stops what
    start() started.
    """
    check_projections(settings)
    read_store = open_read_store(settings.read_store_url, settings.data_dir, settings.mongodb_timeout_s)
    read_models = ProjectedReadModels(read_store, _progress(settings, services, read_store))
    if start:
        read_models.start()
    return read_models


def _progress(settings: Settings, services: Services, read_store: ReadStore) -> Progress:
    runner = BackgroundProcess(settings) if settings.projections == "process" else None
    stored = StoredProgress(EventLog(services.app), read_store, PROJECTORS, read_store.lease(), runner)
    if settings.projections == "thread":
        return LocalProgress(background_host(settings, services, read_store), stored)
    return stored
