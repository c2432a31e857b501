"""The operator's bearer token (HUBBUB_METRICS_TOKEN): it guards /metrics when set, and only it
sees a projector's error text on /ready, which can name tables, files and hosts."""

from __future__ import annotations

import hmac

from litestar.types import Scope

from hubbub.adapters.settings import Settings

from .problems import ProblemError


def is_operator(scope: Scope, settings: Settings) -> bool:
    if not settings.metrics_token:
        return False
    presented = _bearer(scope)
    return presented is not None and hmac.compare_digest(presented.encode(), settings.metrics_token.encode())


def ensure_operator(scope: Scope, settings: Settings) -> None:
    """Open to everyone when no token is set, as before the setting existed."""
    if settings.metrics_token and not is_operator(scope, settings):
        raise ProblemError(401, "unauthorized", "send HUBBUB_METRICS_TOKEN as: Authorization: Bearer <token>")


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None
