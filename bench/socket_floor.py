"""The floor: bare python-socketio on the same uvicorn as `hubbub serve`, doing the least a chat
gateway can do. The socket benches run it as a subprocess and print its figures beside hubbub's.

    .venv/bin/python bench/socket_floor.py --port 8100

A client joins a room by `auth: {room}`, the `room` query parameter, or a `join {room}` event.
`message:send {room_id, body, client_msg_id}` is acknowledged as hubbub acknowledges it and
emitted as `message:new` to the room (the sender included). `auth: {replay: N}` emits N
`message:new` events to that socket, then `sync:done`: the transport's own replay rate.
With --redis-url, emits go through python-socketio's AsyncRedisManager on --channel, so several
floor processes serve one set of rooms, as several hubbub processes do.
"""

from __future__ import annotations

import argparse
import itertools
import uuid
from datetime import datetime, timezone

import socketio


def floor_app(redis_url: str = "", channel: str = "socketio") -> socketio.ASGIApp:
    manager = socketio.AsyncRedisManager(redis_url, channel=channel) if redis_url else None
    # always_connect: the CONNECT packet goes out before the handler runs, so what the handler
    # emits (a replay) follows it, as hubbub's replay follows its connect.
    sio = socketio.AsyncServer(async_mode="asgi", always_connect=True, cors_allowed_origins="*",
                               client_manager=manager)
    positions = itertools.count(1)

    @sio.event
    async def connect(sid, environ, auth=None):
        auth = auth or {}
        room = auth.get("room") or _query(environ).get("room")
        if room:
            await sio.enter_room(sid, room)
        if auth.get("replay"):
            sio.start_background_task(_replay, sio, sid, int(auth["replay"]), positions)

    @sio.on("join")
    async def join(sid, data):
        await sio.enter_room(sid, data["room"])
        return {"ok": True}

    @sio.on("message:send")
    async def send(sid, data):
        position, at = next(positions), _now()
        message = {"message_id": str(uuid.uuid4()), "room_id": data["room_id"], "author_id": sid,
                   "body": data["body"], "client_msg_id": data.get("client_msg_id"), "created_at": at,
                   "position": position}
        await sio.emit("message:new", {"room_id": data["room_id"], "position": position, "at": at,
                                       "message": message}, room=data["room_id"])
        return {"ok": True, "message": message, "position": position, "created": True}

    return socketio.ASGIApp(sio)


async def _replay(sio: socketio.AsyncServer, sid: str, count: int, positions) -> None:
    position = 0
    for n in range(count):
        position, at = next(positions), _now()
        message = {"message_id": str(uuid.uuid4()), "room_id": "replay", "body": f"replayed {n}",
                   "created_at": at, "position": position}
        await sio.emit("message:new", {"room_id": "replay", "position": position, "at": at,
                                       "message": message}, to=sid)
    await sio.emit("sync:done", {"position": position}, to=sid)


def _query(environ: dict) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(environ.get("QUERY_STRING", "")))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", default="", help="share rooms with other floor processes through Redis")
    parser.add_argument("--channel", default="socketio", help="the Redis pub/sub channel, one per set of floors")
    options = parser.parse_args()
    # The options `hubbub serve` passes to uvicorn, less its logging setup.
    uvicorn.run(floor_app(options.redis_url, options.channel), host=options.host, port=options.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
