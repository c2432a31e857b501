"""External channels a digest can go to: webhook, email, and the interface push services would implement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

# Runs a blocking call on a thread the runtime owns (Executors.in_thread).
Offload = Callable[..., Awaitable[Any]]


class DeliveryFailed(Exception):
    """This attempt failed; `permanent` ones are not retried (a refused URL, a bad address)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    async def send(self, job: dict[str, Any], config: dict[str, Any]) -> None:
        """Deliver one job (delivery_id, user_id, items) to one user's channel; raise DeliveryFailed."""
