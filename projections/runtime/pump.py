"""Feeding followers (projectors and other log consumers) from the log: bulk replay in large batches, then live following.

One read and one decode per event serves every follower that still needs it, so a rebuild of
several projections, or a catch-up after a restart, scans the log once. A follower that fails
is reset to its committed position and left out of the rest of the round; the others go on.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from eventsourcing.persistence import Notification

from .follower import Follower
from .log import EventLog

REPLAY_BATCH = 20_000
GC_YOUNG_THRESHOLD = 50_000


def ready(followers: Sequence[Follower]) -> list[Follower]:
    """The followers that take part in the next round: not waiting for a rebuild of what they
    read, not backing off after a failure (and able to read their stored position again)."""
    for follower in followers:
        if follower.broken and follower.due:
            follower.recover()
    return [f for f in followers if f.due and not f.broken and not f.waiting_for]


def fold(log: EventLog, notifications: Sequence[Notification], followers: Sequence[Follower],
         scanned: int, commit: str) -> None:
    """Apply the notifications; each follower has then seen the log up to `scanned`, and commits:
    "final" and "live" (position too, whatever changed), "due" (when its batch is big or old
    enough: catching up). Live, the stored position must not trail: a web process whose
    background host runs in another process waits for a position by reading it from the store."""
    resets = {id(f): f.resets for f in followers}
    _dispatch(log, notifications, followers)
    for follower in followers:
        if follower.resets != resets[id(follower)]:
            continue  # restarted mid-round: it reads again from its committed position
        try:
            follower.skip_to(scanned)
            if commit != "due" or follower.commit_due:
                follower.commit(force=commit in ("final", "live"))
        except Exception as error:  # noqa: BLE001 - isolate the failing projector
            follower.fail(error)


def _dispatch(log: EventLog, notifications: Sequence[Notification], followers: Sequence[Follower]) -> None:
    by_topic, every = _targets(followers)
    resets_at_start = {f: f.resets for f in followers}
    # Usually every follower is behind the whole batch: then no event needs checking against positions.
    behind = all(f.pending < notifications[0].id for f in followers) if notifications else True
    # Live, the subscription brings every topic: only what some follower takes is decoded.
    decoded = [(n, *log.decode(n)) for n in notifications
               if (every or n.topic in by_topic) and (behind or _wanted(n, by_topic, every))]
    for follower in followers:
        try:
            follower.prefetch([(n.topic, e) for n, e, _ in decoded
                               if n.id > follower.pending and _takes(follower, n.topic)])
        except Exception as error:  # noqa: BLE001 - isolate the failing consumer
            _fail(follower, error, by_topic, every)
    for notification, event, metadata in decoded:
        targets = by_topic.get(notification.topic, _NONE) + every if every else by_topic[notification.topic]
        for follower in tuple(targets) if behind else [f for f in targets if notification.id > f.pending]:
            if follower.resets != resets_at_start[follower]:
                continue  # failed earlier in this round
            try:
                follower.apply(notification, event, metadata)
                if follower.full:
                    follower.commit()
            except Exception as error:  # noqa: BLE001 - isolate the failing consumer
                _fail(follower, error, by_topic, every)


_NONE: list[Follower] = []


def _targets(followers: Sequence[Follower]) -> tuple[dict[str, list[Follower]], list[Follower]]:
    """Followers by the topic they take, and those that take every topic."""
    by_topic: dict[str, list[Follower]] = {}
    for follower in followers:
        for topic in follower.topics:
            by_topic.setdefault(topic, []).append(follower)
    return by_topic, [f for f in followers if not f.topics]


def _takes(follower: Follower, topic: str) -> bool:
    return not follower.topics or topic in follower.topics


def _wanted(notification: Notification, by_topic: dict[str, list[Follower]], every: list[Follower]) -> bool:
    targets = (*by_topic.get(notification.topic, ()), *every)
    return any(notification.id > f.pending for f in targets)


def _fail(follower: Follower, error: Exception, by_topic: dict[str, list[Follower]], every: list[Follower]) -> None:
    follower.fail(error)
    for others in (*by_topic.values(), every):  # later events must not reach it this round
        if follower in others:
            others.remove(follower)


def replay_round(log: EventLog, followers: Sequence[Follower], batch_size: int | None = None) -> int:
    """Fold the next batch of the log into the followers behind its head; returns positions covered."""
    batch_size = batch_size or REPLAY_BATCH
    active = ready(followers)
    if not active:
        return 0
    start, head = min(f.pending for f in active), log.head()
    if start >= head:
        return 0
    # A follower of every topic reads them all; otherwise only what some follower takes.
    topics = () if any(not f.topics for f in active) else sorted({t for f in active for t in f.topics})
    notifications = log.read(after=start, stop=head, limit=batch_size, topics=topics)
    # Fewer than asked: nothing else this projection reads exists up to the head we saw.
    caught_up = len(notifications) < batch_size
    scanned = head if caught_up else notifications[-1].id
    fold(log, notifications, active, scanned, commit="final" if caught_up else "due")
    return scanned - start


def replay(log: EventLog, followers: Sequence[Follower], progress: Callable[[int], None] | None = None,
           should_stop: Callable[[], bool] = lambda: False) -> None:
    """Replay until a round finds nothing left to fold."""
    with fewer_collections():
        while not should_stop():
            gc.freeze()  # what survived the last round (mostly cached documents) is not walked again
            covered = replay_round(log, followers)
            if not covered:
                break
            if progress:
                progress(covered)
    finish(followers)


def finish(followers: Sequence[Follower]) -> None:
    """Commit whatever the last rounds folded but did not commit yet (a round that read a full
    batch does not know it reached the head)."""
    for follower in ready(followers):
        try:
            follower.commit(force=True)
        except Exception as error:  # noqa: BLE001 - isolate the failing projector
            follower.fail(error)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """A replay allocates millions of short-lived containers next to a large cache of documents,
    and each full collection walks that cache: collect the young generation less often, and
    (gc.freeze() per round) leave the survivors of earlier rounds out of the walk. Frozen objects
    are still freed by reference counting; only cycles among them wait for unfreeze()."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], GC_YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
