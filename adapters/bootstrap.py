"""The composition root: the one place that picks adapters and hands them to the application."""

from __future__ import annotations

from pathlib import Path

from application.app import Hubbub
from application.ports import PasswordHasher
from application.services import Services

from .eventstore.environment import application_env
from .passwords import Argon2Hasher
from .settings import Settings, load_settings


def bootstrap(settings: Settings | None = None, hasher: PasswordHasher | None = None) -> Services:
    """Build the application on the configured event store; opens connections, so call it at start."""
    settings = settings or load_settings()
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = Hubbub(env=application_env(settings))
    hasher = hasher or Argon2Hasher(settings.password_time_cost, settings.password_memory_cost_kib)
    return Services.build(app, hasher)
