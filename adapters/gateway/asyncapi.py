"""The AsyncAPI 3 document of the socket events, generated from the structs in schemas.py."""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from .schemas import COMMANDS, SERVER_EVENTS, Auth, ConnectRefused, Refusal

REF = "#/components/schemas/{name}"


def _key(event: str) -> str:
    return event.replace(":", ".")


@cache
def document() -> dict[str, Any]:
    structs = [Auth, ConnectRefused, Refusal, *(p for p, _ in COMMANDS.values()), *(a for _, a in COMMANDS.values()),
               *SERVER_EVENTS.values()]
    _, schemas = msgspec.json.schema_components(structs, ref_template=REF)
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event, (payload, ack) in COMMANDS.items():
        messages[_key(event)] = _message(event, payload.__name__, f"Client to server; acknowledged ({ack.__name__} or Refusal).")
        messages[f"{_key(event)}.ack"] = {"name": f"{event} ack",
                                          "payload": {"oneOf": [_ref(ack.__name__), _ref("Refusal")]}}
        operations[_key(event)] = {
            "action": "receive", "channel": {"$ref": "#/channels/socket"},
            "messages": [{"$ref": f"#/channels/socket/messages/{_key(event)}"}],
            "reply": {"channel": {"$ref": "#/channels/socket"},
                      "messages": [{"$ref": f"#/channels/socket/messages/{_key(event)}.ack"}]},
        }
    for event, struct in SERVER_EVENTS.items():
        messages[_key(event)] = _message(event, struct.__name__, (struct.__doc__ or "").strip() or "Server to client.")
        operations[f"emit.{_key(event)}"] = {"action": "send", "channel": {"$ref": "#/channels/socket"},
                                             "messages": [{"$ref": f"#/channels/socket/messages/{_key(event)}"}]}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "hubbub Socket.IO gateway", "version": "1.0.0",
            "description": ("Socket.IO (namespace '/', path /socket.io) on the HTTP API's port. Connect with "
                            "auth {token, since?}; refusals are connect_error (ConnectRefused). Every "
                            "client event is acknowledged. Durable events carry room_id, position and at, "
                            "in position order, each once. Ephemeral events (typing, presence, "
                            "notification) are never stored or replayed."),
        },
        "defaultContentType": "application/json",
        "servers": {"hubbub": {"host": "localhost:8000", "pathname": "/socket.io/", "protocol": "ws",
                               "description": "Engine.IO 4 / Socket.IO 5 protocol"}},
        "channels": {"socket": {"address": "/", "messages": messages}},
        "operations": operations,
        "components": {"schemas": schemas},
    }


def _message(event: str, schema: str, description: str) -> dict[str, Any]:
    return {"name": event, "title": event, "summary": description, "payload": _ref(schema)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}
