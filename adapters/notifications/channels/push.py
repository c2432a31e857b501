"""Push services (FCM, APNs) as a Channel: the interface only.

Neither service can be reached from here, so nothing implements it and nothing claims to: an
implementation takes the device tokens from `config` and raises DeliveryFailed as the others do.
"""

from __future__ import annotations

from typing import Any, Protocol


class PushChannel(Protocol):
    name: str  # "fcm" or "apns"

    async def send(self, job: dict[str, Any], config: dict[str, Any]) -> None:
        """config: {"device_tokens": [...]}; one notification per digest, its items as the data payload."""
