"""Presence: online while any device is connected, offline `grace_s` after the last one left.

This process counts its own sockets and tells the shared store; a reconnect within the grace
period (here or on another process) emits nothing. Changes travel over the bus; every process
emits `presence` to its own sockets in the subject's rooms of at most `room_limit` members, at
most once per user per `throttle_s` (the last state wins; nothing is said when it ends where it
began). Larger rooms get no pushed presence: every member arriving would tell every other, so
connecting a room of N members would cost N² emits; their clients ask the room's presence route.
"""

from __future__ import annotations

import asyncio
import logging
import time
from uuid import UUID

from hubbub.application.debounce import Clock, Fire, Policy

from .ports import Directory, Emitter, PresenceStore, SignalBus
from .presence_store import HEARTBEAT_S, PresenceState
from .timers import DebounceTimer, debouncer

log = logging.getLogger(__name__)
GRACE_S = 5.0
THROTTLE_S = 3.0


class Presence:
    def __init__(
        self, store: PresenceStore, bus: SignalBus,
        directory: Directory, emitter: Emitter, *,
        grace_s: float = GRACE_S, throttle_s: float = THROTTLE_S, heartbeat_s: float = HEARTBEAT_S,
        room_limit: int, clock: Clock = time.monotonic,
    ):
        self.store, self.bus, self.directory, self.emitter = store, bus, directory, emitter
        self.heartbeat_s, self.room_limit = heartbeat_s, room_limit
        self.sockets: dict[str, set[str]] = {}  # user → this process's sockets
        self.grace = DebounceTimer(debouncer(Policy(wait_s=grace_s), clock), self._settle)
        throttle = Policy(wait_s=throttle_s, max_wait_s=throttle_s, leading=True, forget_when_quiet=True)
        self.throttle = DebounceTimer(debouncer(throttle, clock), self._emit_fire)
        self.said: dict[str, bool] = {}  # users this process last said were online
        bus.subscribe(self._heard)

    async def connected(self, user_id: UUID, sid: str) -> None:
        user = str(user_id)
        self.sockets.setdefault(user, set()).add(sid)
        self.grace.engine.cancel(user)
        if await self.store.connected(user):
            await self.bus.publish("presence", {"user_id": user, "online": True})

    async def disconnected(self, user_id: UUID, sid: str) -> None:
        user = str(user_id)
        sids = self.sockets.get(user, set())
        if sid not in sids:
            return
        sids.discard(sid)
        await self.store.disconnected(user)
        if not sids:
            del self.sockets[user]
            self.grace.engine.call(user)
            self.grace.poke()

    async def states(self, user_ids: list[UUID]) -> list[PresenceState]:
        return await self.store.states([str(u) for u in user_ids])

    async def run(self) -> None:
        """Heartbeats, the sweep of dead processes, and the grace and throttle timers."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.grace.run())
            tasks.create_task(self.throttle.run())
            tasks.create_task(self._beat())

    async def close(self) -> None:
        try:
            await self.store.close()
        except Exception:  # the store is away: the other processes' sweep takes these users offline
            log.warning("presence could not say goodbye", exc_info=True)

    async def _beat(self) -> None:
        while True:
            try:
                await self.store.heartbeat()
                for user in await self.store.sweep():
                    await self.bus.publish("presence", {"user_id": user, "online": False})
            except Exception:  # the store is away: keep beating; users here stay online meanwhile
                log.warning("presence heartbeat failed", exc_info=True)
            await asyncio.sleep(self.heartbeat_s)

    async def _settle(self, fire: Fire) -> None:
        self.grace.engine.forget(fire.key)
        if fire.key not in self.sockets and await self.store.settle(fire.key):
            await self.bus.publish("presence", {"user_id": fire.key, "online": False})

    async def _heard(self, kind: str, payload: dict) -> None:
        if kind != "presence":
            return
        leading = self.throttle.engine.call(payload["user_id"], payload["online"])
        self.throttle.poke()
        if leading is not None:
            await self._emit_fire(leading)

    async def _emit_fire(self, fire: Fire) -> None:
        user, online = fire.key, fire.value
        if self.said.get(user) == online:
            return
        if online:
            self.said[user] = True
        else:  # an offline user is forgotten: the map holds online users only, however many come and go
            self.said.pop(user, None)
        rooms = await self.directory.rooms_up_to(UUID(user), self.room_limit)
        if rooms:
            await self.emitter.to_rooms(rooms, "presence", {"user_id": user, "online": online}, skip_user=UUID(user))
