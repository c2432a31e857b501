"""External notification channels and delivery status, as the HTTP API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2048, pattern="^https?://")]
Secret = Annotated[str, msgspec.Meta(min_length=16, max_length=256)]
Address = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
DeliveryStatus = Literal["pending", "delivered", "acked", "failed", "dead"]


class WebhookChannelIn(msgspec.Struct):
    url: Url
    secret: Secret


class WebhookChannelOut(msgspec.Struct):
    url: str


class EmailChannelIn(msgspec.Struct):
    address: Address


class EmailChannelOut(msgspec.Struct):
    address: str


class Delivery(msgspec.Struct):
    delivery_id: UUID
    notification_ids: list[UUID]
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    at: datetime


class Deliveries(msgspec.Struct):
    items: list[Delivery]
