"""One process's gateway: its sockets, the feed tail that feeds them, and the socket.io server."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from uuid import UUID

import socketio

from hubbub.projections.feed.queries import Row

from . import wiring
from .connections import Connection, Connections
from .emitter import SocketEmitter
from .metrics import GatewayMetrics
from .slots import RENEW_S
from .tail import FeedTail

log = logging.getLogger("hubbub.gateway")
NAMESPACE = "/"
WATCH_S = 0.25
MEMBERSHIP_EVENTS = frozenset({"member:joined", "member:left", "room:updated"})
CONNECT_WAIT_S = 5.0


def room_key(room_id: str) -> str:
    return f"room:{room_id}"


class Gateway:
    def __init__(self, sio: socketio.AsyncServer, metrics: GatewayMetrics):
        self.sio = sio
        self.metrics = metrics
        self.connections = Connections()
        self.runtime: wiring.Runtime | None = None
        self.tail: FeedTail | None = None
        self.slots = None  # how many sockets each user holds (slots.py)
        self._tasks: set[asyncio.Task] = set()
        self._unsubscribe = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopped = False

    # Lifecycle: started by the app's startup, after the runtime; stopped before it closes.

    async def start(self, runtime: wiring.Runtime) -> None:
        self.runtime = runtime
        self._loop = asyncio.get_running_loop()
        self.tail = FeedTail(self.read_models, self._deliver, runtime.settings.gateway_poll_interval_s)
        await self.in_thread(self.tail.start)
        self.tail.run()
        self._unsubscribe = wiring.on_session_revoked(runtime, self._revoked_from_any_thread)
        self.slots = wiring.socket_slots(runtime, self.connections)
        wiring.attach_signals(runtime, SocketEmitter(self))
        self.spawn(self._watch_outbound())
        self.spawn(self._renew_slots())
        self.metrics.watch(self)

    async def stop(self) -> None:
        """Stops delivering; the server closes the sockets themselves (their clients reconnect, with since).
        Their goodbyes to the signals are left to the runtime's signals.close(), which comes next."""
        self.stopped = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        for connection in self.connections.by_sid.values():
            connection.closing = True
            self.go_offline(connection)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.tail is not None:
            await self.tail.cancel()
            await self.in_thread(self.tail.stop)
        if self.slots is not None:
            await self.slots.close()

    def spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("gateway task failed", exc_info=task.exception())

    # Settings and seams.

    @property
    def read_models(self):
        return wiring.read_models(self.runtime)

    def log_head(self) -> int:
        return wiring.log_head(self.runtime)

    def in_thread(self, func, *args):
        return wiring.in_thread(self.runtime, func, *args)

    def in_query_thread(self, func, *args):
        return wiring.in_query_thread(self.runtime, func, *args)

    @property
    def replay_cap(self) -> int:
        return self.runtime.settings.gateway_replay_cap

    @property
    def outbound_limit(self) -> int:
        return self.runtime.settings.gateway_outbound_limit

    def lag(self) -> int:
        return max(0, self.log_head() - self.tail.position) if self.tail else 0

    # Sockets.

    def has(self, connection: Connection) -> bool:
        return self.connections.by_sid.get(connection.sid) is connection

    async def connected(self, sid: str) -> None:
        """Wait until socket.io has sent the CONNECT packet: nothing may be emitted before it."""
        deadline = time.monotonic() + CONNECT_WAIT_S
        while self.sio.manager.is_pre_connected(sid, NAMESPACE) and time.monotonic() < deadline:
            await asyncio.sleep(0.001)

    async def announce(self, connection: Connection) -> None:
        """Presence and the offline digests, once the socket may be emitted to."""
        await self.connected(connection.sid)
        if self.has(connection):
            await wiring.socket_connected(self.runtime, connection.user_id, connection.sid)

    async def _say_goodbye(self, connection: Connection) -> None:
        if connection.announced is not None:
            await asyncio.wait([connection.announced])
        await wiring.socket_disconnected(self.runtime, connection.user_id, connection.sid)

    def go_live(self, connection: Connection, rooms: set[str]) -> None:
        for room_id in rooms:
            self.sio.manager.basic_enter_room(connection.sid, NAMESPACE, room_key(room_id))
        connection.rooms, connection.live = set(rooms), True

    def go_offline(self, connection: Connection) -> None:
        for room_id in connection.rooms:
            self.sio.manager.basic_leave_room(connection.sid, NAMESPACE, room_key(room_id))
        connection.rooms, connection.live = set(), False

    def follow(self, connection: Connection, room_id: str) -> None:
        if connection.live and room_id not in connection.rooms:
            self.sio.manager.basic_enter_room(connection.sid, NAMESPACE, room_key(room_id))
            connection.rooms.add(room_id)

    def unfollow(self, connection: Connection, room_id: str) -> None:
        if room_id in connection.rooms:
            self.sio.manager.basic_leave_room(connection.sid, NAMESPACE, room_key(room_id))
            connection.rooms.discard(room_id)

    async def emit_to(self, connection: Connection, event: str, data: dict) -> None:
        await self.sio.emit(event, data, to=connection.sid, namespace=NAMESPACE)

    async def emit_to_rooms(self, room_ids: list[str], event: str, data: dict, skip_sids: list[str]) -> None:
        """python-socketio's manager gives a socket that is in several of the rooms the event once."""
        keys = [room_key(r) for r in room_ids]
        await self.sio.emit(event, data, room=keys, skip_sid=skip_sids or None, namespace=NAMESPACE)

    def pending(self, connection: Connection) -> int:
        """Packets queued for the socket and not yet written to it."""
        socket = self._engine_socket(connection)
        return socket.queue.qsize() if socket is not None else 0

    def _engine_socket(self, connection: Connection):
        eio_sid = self.sio.manager.eio_sid_from_sid(connection.sid, NAMESPACE)
        return self.sio.eio.sockets.get(eio_sid) if eio_sid else None

    async def resync(self, connection: Connection, position: int, reason: str) -> None:
        self.metrics.resyncs.labels(reason).inc()
        await self.emit_to(connection, "sync:resync_required", {"position": position, "reason": reason})

    async def end(self, connection: Connection, reason: str) -> None:
        """The session is over (revoked) or its token expired: say so, then disconnect."""
        if connection.closing or not self.has(connection):
            return
        connection.closing = True  # once: a revocation may be reported here and by the log
        self.go_offline(connection)
        await self.emit_to(connection, "session:ended", {"reason": reason})
        await self.sio.disconnect(connection.sid, namespace=NAMESPACE)

    def forget(self, sid: str) -> None:
        connection = self.connections.remove(sid)
        if connection is not None:
            connection.closing = True
            if connection.expiry is not None:
                connection.expiry.cancel()
            self.spawn(self.slots.release(connection.user_id, sid))
            if not self.stopped:
                self.spawn(self._say_goodbye(connection))

    async def _renew_slots(self) -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            await self.slots.renew([(c.user_id, c.sid) for c in self.connections.by_sid.values()])

    def _revoked_from_any_thread(self, session_id: UUID, _reason: str) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._revoked, session_id)

    def _revoked(self, session_id: UUID) -> None:
        for connection in self.connections.of_session(session_id):
            self.spawn(self.end(connection, "session_revoked"))

    async def _watch_outbound(self) -> None:
        """A socket that cannot keep up is told to resync and let go, rather than queued for without bound."""
        while True:
            await asyncio.sleep(WATCH_S)
            for connection in list(self.connections.by_sid.values()):
                if not connection.closing and self.pending(connection) > self.outbound_limit:
                    await self.let_go_slow(connection)

    async def let_go_slow(self, connection: Connection) -> None:
        if connection.closing:
            return
        connection.closing = True
        self.go_offline(connection)
        socket = self._engine_socket(connection)
        if socket is not None:  # what it has not taken is dropped: the resync replaces it
            _drop_queued(socket.queue)
        await self.resync(connection, self.tail.position, "slow_consumer")
        await self.sio.disconnect(connection.sid, namespace=NAMESPACE)
        if socket is not None:  # and the transport, without waiting for a reader that may never come
            await socket.close(wait=False)

    # Live delivery, in position order: membership first for a join, last for a departure.

    async def _deliver(self, rows: list[Row]) -> None:
        for _, room_id, event, payload in rows:
            data = json.loads(payload) if event in MEMBERSHIP_EVENTS else None
            for user_id in _joining(event, data):
                for connection in self.connections.of_user(user_id):
                    self.follow(connection, room_id)
            if room_key(room_id) not in self.sio.manager.rooms.get(NAMESPACE, {}):
                continue  # nobody here follows the room: no decoding, no emit
            data = data or json.loads(payload)
            await self.sio.emit(event, data, room=room_key(room_id), namespace=NAMESPACE)
            if event == "member:left":
                for connection in self.connections.of_user(data["user_id"]):
                    self.unfollow(connection, room_id)
            self.metrics.emitted(event, data["at"])


def _drop_queued(queue: asyncio.Queue) -> None:
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()


def _joining(event: str, data: dict | None) -> list[str]:
    if data is None:
        return []
    if event == "member:joined":
        return data["user_ids"]
    if event == "room:updated":  # a new room's first row: its members follow it from here
        return [member["user_id"] for member in data["room"]["members"]]
    return []
