"""The webhook channel: a signed JSON POST to the user's URL.

The body is the delivery (delivery_id, digest_id, items); `Hubbub-Signature: sha256=<hex HMAC
of the body with the user's secret>` lets the receiver check it, and `Hubbub-Delivery` (the
delivery id, the same on every retry) lets it drop a repeat. URLs whose host resolves to a
private, loopback, link-local or otherwise non-public address are refused, unless
HUBBUB_WEBHOOK_ALLOW_PRIVATE=true; the address checked is the one connected to.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from hubbub.domain.errors import InvalidInput

from . import DeliveryFailed

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def validated_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 2048
        parts.port  # noqa: B018 - raises on a port that is not a number
        parts.hostname.encode("idna")  # type: ignore[union-attr]
    except (ValueError, UnicodeError, AttributeError):
        valid = False
    if not valid:
        raise InvalidInput("url", "must be an http or https URL")
    return url


class WebhookChannel:
    name = "webhook"

    def __init__(self, allow_private: bool = False, timeout: httpx.Timeout = TIMEOUT):
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, job: dict[str, Any], config: dict[str, Any]) -> None:
        url = config["url"]
        address = await self._public_address(url)
        body = msgspec.json.encode({k: job[k] for k in ("delivery_id", "digest_id", "user_id", "items")})
        headers = {"content-type": "application/json", "hubbub-delivery": job["delivery_id"],
                   "hubbub-signature": signature(config["secret"], body)}
        try:
            response = await self.client.post(_pinned(url, address), content=body,
                                              headers={**headers, "host": urlsplit(url).netloc})
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 300:
            raise DeliveryFailed(f"HTTP {response.status_code}", permanent=400 <= response.status_code < 500
                                 and response.status_code not in (408, 429))

    async def close(self) -> None:
        await self.client.aclose()

    async def _public_address(self, url: str) -> str:
        host, port = urlsplit(url).hostname or "", urlsplit(url).port
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
        except OSError as error:
            raise DeliveryFailed(f"cannot resolve {host}: {error}") from None
        address = infos[0][4][0]
        if not self.allow_private and not ipaddress.ip_address(address).is_global:
            raise DeliveryFailed(f"{host} resolves to a non-public address ({address})", permanent=True)
        return address


def _pinned(url: str, address: str) -> str:
    """The URL with its host replaced by the address checked, so a second lookup cannot differ."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return url  # TLS checks the name; the address was checked just above
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()
