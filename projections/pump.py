"""Feeding workers from the log: bulk replay in large batches, then live following.

One read and one decode per event serves every worker that still needs it, so a rebuild of
several projections, or a catch-up after a restart, scans the log once. A worker that fails
is reset to its committed position and left out of the rest of the round; the others go on.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from eventsourcing.persistence import Notification

from .log import EventLog
from .worker import Worker

REPLAY_BATCH = 20_000
GC_YOUNG_THRESHOLD = 50_000


def ready(workers: Sequence[Worker]) -> list[Worker]:
    """The workers that take part in the next round: not backing off after a failure
    (and able to read their stored position again)."""
    for worker in workers:
        if worker.broken and worker.due:
            worker.recover()
    return [w for w in workers if w.due and not w.broken]


def fold(log: EventLog, notifications: Sequence[Notification], workers: Sequence[Worker],
         scanned: int, commit: str) -> None:
    """Apply the notifications; each worker has then seen the log up to `scanned`, and commits:
    "final" and "live" (position too, whatever changed), "due" (when its batch is big or old
    enough: catching up). Live, the stored position must not trail: a web process whose
    projectors run in another process waits for a position by reading it from the store."""
    resets = {id(w): w.resets for w in workers}
    _dispatch(log, notifications, workers)
    for worker in workers:
        if worker.resets != resets[id(worker)]:
            continue  # restarted mid-round: it reads again from its committed position
        try:
            worker.skip_to(scanned)
            if commit != "due" or worker.commit_due:
                worker.commit(force=commit in ("final", "live"))
        except Exception as error:  # noqa: BLE001 - isolate the failing projector
            worker.fail(error)


def _dispatch(log: EventLog, notifications: Sequence[Notification], workers: Sequence[Worker]) -> None:
    by_topic: dict[str, list[Worker]] = {}
    for worker in workers:
        for topic in worker.projector_type.topics():
            by_topic.setdefault(topic, []).append(worker)
    resets_at_start = {w: w.resets for w in workers}
    # Usually every worker is behind the whole batch: then no event needs checking against positions.
    behind = all(w.pending < notifications[0].id for w in workers) if notifications else True
    # Live, the subscription brings every topic: only what some worker handles is decoded.
    decoded = [(n, log.decode(n)) for n in notifications
               if n.topic in by_topic and (behind or _wanted(n, by_topic))]
    for worker in workers:
        try:
            worker.prefetch([(n.topic, e) for n, e in decoded
                             if n.id > worker.pending and worker in by_topic[n.topic]])
        except Exception as error:  # noqa: BLE001 - isolate the failing projector
            _fail(worker, error, by_topic)
    for notification, event in decoded:
        targets = by_topic[notification.topic]
        for worker in tuple(targets) if behind else [w for w in targets if notification.id > w.pending]:
            if worker.resets != resets_at_start[worker]:
                continue  # failed earlier in this round
            try:
                worker.apply(notification.id, notification.topic, event)
                if worker.full:
                    worker.commit()
            except Exception as error:  # noqa: BLE001 - isolate the failing projector
                _fail(worker, error, by_topic)


def _wanted(notification: Notification, by_topic: dict[str, list[Worker]]) -> bool:
    return any(notification.id > w.pending for w in by_topic.get(notification.topic, ()))


def _fail(worker: Worker, error: Exception, by_topic: dict[str, list[Worker]]) -> None:
    worker.fail(error)
    for others in by_topic.values():  # later events must not reach it this round
        if worker in others:
            others.remove(worker)


def replay_round(log: EventLog, workers: Sequence[Worker], batch_size: int | None = None) -> int:
    """Fold the next batch of the log into the workers behind its head; returns positions covered."""
    batch_size = batch_size or REPLAY_BATCH
    active = ready(workers)
    if not active:
        return 0
    start, head = min(w.pending for w in active), log.head()
    if start >= head:
        return 0
    topics = sorted({t for w in active for t in w.projector_type.topics()})
    notifications = log.read(after=start, stop=head, limit=batch_size, topics=topics)
    # Fewer than asked: nothing else this projection reads exists up to the head we saw.
    caught_up = len(notifications) < batch_size
    scanned = head if caught_up else notifications[-1].id
    fold(log, notifications, active, scanned, commit="final" if caught_up else "due")
    return scanned - start


def replay(log: EventLog, workers: Sequence[Worker], progress: Callable[[int], None] | None = None,
           should_stop: Callable[[], bool] = lambda: False) -> None:
    """Replay until a round finds nothing left to fold."""
    with fewer_collections():
        while not should_stop():
            gc.freeze()  # what survived the last round (mostly cached documents) is not walked again
            covered = replay_round(log, workers)
            if not covered:
                break
            if progress:
                progress(covered)
    finish(workers)


def finish(workers: Sequence[Worker]) -> None:
    """Commit whatever the last rounds folded but did not commit yet (a round that read a full
    batch does not know it reached the head)."""
    for worker in ready(workers):
        try:
            worker.commit(force=True)
        except Exception as error:  # noqa: BLE001 - isolate the failing projector
            worker.fail(error)


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
