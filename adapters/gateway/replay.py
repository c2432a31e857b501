"""Bringing one socket up to the tail: every row of its rooms after `since`, read room by room in
pages and merged in position order, then live, with nothing lost or repeated at the seam."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

from hubbub.projections.feed.queries import Row

from .connections import Connection
from .spans import Spans, following, ranges

if TYPE_CHECKING:
    from .gateway import Gateway

PAGE = 500
WAIT_S = 0.005
STALL_S = 10.0  # a socket that takes nothing of a replay page for this long is too slow


async def sync(gateway: Gateway, connection: Connection, since: int | None, head: int | None = None) -> None:
    """Replay (since, tail], say sync:done, and go live; without `since`, go live from `head`. The
    connect handler passes the head it read before accepting the socket, so that what is appended
    while this task waits to run is sent too. A newer sync of the same socket supersedes this one."""
    connection.sync_generation += 1
    generation = connection.sync_generation
    gateway.go_offline(connection)
    await gateway.connected(connection.sid)
    tail, read_models = gateway.tail, gateway.read_models
    if head is None:
        head = await gateway.in_thread(gateway.log_head)
    position = head if since is None else min(since, head)
    # The replay covers at least what the log held when it was asked for: wait for the tail to get there.
    while tail.position < head:
        if _superseded(gateway, connection, generation):
            return
        await asyncio.sleep(WAIT_S)
    replayed, resynced = 0, False
    if since is not None:
        gateway.metrics.replays.inc()
    while True:
        target = tail.position
        spans, todo = await gateway.in_query_thread(_plan, read_models, connection.user_key, position, target)
        if _superseded(gateway, connection, generation):
            return
        if target > position:
            if replayed + sum(n for *_, n in todo) > gateway.replay_cap:
                await gateway.resync(connection, target, "replay_cap")
                resynced = True
            else:
                replayed += await _stream(gateway, connection, generation, todo)
            position = target
        if _superseded(gateway, connection, generation):
            return
        if position == tail.position and not tail.delivering:
            gateway.go_live(connection, following(spans, position))  # no await since the check
            break
        await asyncio.sleep(WAIT_S)
    if since is not None and not resynced:
        await gateway.emit_to(connection, "sync:done", {"position": position})


def _superseded(gateway: Gateway, connection: Connection, generation: int) -> bool:
    return connection.sync_generation != generation or connection.closing or not gateway.has(connection)


def _plan(read_models, user_id: str, after: int, upto: int) -> tuple[Spans, list[tuple[str, int, int, int]]]:
    """The user's spans, and each (room, after, upto) range to replay with its row count."""
    spans = read_models.feed_spans(user_id)
    todo = [(room, low, high, read_models.feed_count(room, low, high)) for room, low, high in ranges(spans, after, upto)]
    return spans, [item for item in todo if item[3]]


async def _stream(gateway: Gateway, connection: Connection, generation: int,
                  todo: list[tuple[str, int, int, int]]) -> int:
    cursors = [[room, low, high] for room, low, high, _ in todo]
    sent = 0
    while any(after < high for _, after, high in cursors):
        rows = await gateway.in_query_thread(_page, gateway.read_models, cursors)
        for _, _, event, payload in rows:
            await gateway.emit_to(connection, event, json.loads(payload))
        sent += len(rows)
        # Backpressure: the next page waits until the socket has taken most of this one.
        stalled_since = time.monotonic()
        while gateway.pending(connection) > gateway.outbound_limit // 2:
            if _superseded(gateway, connection, generation):
                return sent
            if time.monotonic() - stalled_since > STALL_S:
                await gateway.let_go_slow(connection)
                return sent
            await asyncio.sleep(WAIT_S)
        if _superseded(gateway, connection, generation):
            break
    return sent


def _page(read_models, cursors: list[list]) -> list[Row]:
    """The next rows of every range, merged: only up to the lowest position a full page reached,
    since a range cut short there may hold rows below another range's later ones."""
    rows: list[Row] = []
    bound: int | None = None
    for room, after, high in cursors:
        if after >= high:
            continue
        found = read_models.feed_of_room(room, after, high, PAGE)
        if len(found) == PAGE:
            bound = found[-1][0] if bound is None else min(bound, found[-1][0])
        rows.extend(found)
    if bound is None:
        bound = max(high for _, _, high in cursors)
    for cursor in cursors:
        cursor[1] = max(cursor[1], min(bound, cursor[2]))
    return sorted(row for row in rows if row[0] <= bound)
