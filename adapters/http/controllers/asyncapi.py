"""/schema/asyncapi.json: the socket events, described from the same structs that validate them."""

from __future__ import annotations

from litestar import get

from hubbub.adapters.gateway.asyncapi import document


@get("/schema/asyncapi.json", sync_to_thread=False, tags=["operations"])
def asyncapi() -> dict:
    """The AsyncAPI 3 document of the Socket.IO events (client commands, acks, server events)."""
    return document()
