"""Recompute the chain from the stored events and name the first position that no longer matches.

Reasons, by what is found first at a position:
- "event missing": the chain has a link where the log has no event (deleted, or the tail cut);
- "events reordered": the event there was linked at another position;
- "contents changed": the event's stored bytes differ from what was linked;
- "chain forged": the stored links do not follow from the events, or a signed checkpoint's head
  differs from the recomputed chain (links rewritten to match edited events);
- "checkpoint forged": a checkpoint's signature does not verify, or a checkpoint is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from eventsourcing.persistence import ApplicationRecorder, Notification

from hubbub.projections.store import Document, StoredVersion

from .chain import GENESIS, digest, link
from .chain_consumer import CHECKPOINTS, LINKS
from .signing import Checkpoint, CheckpointKey

BATCH = 10_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Report:
    ok: bool
    checked: int
    head: int
    first_bad_position: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class Problem(Exception):
    def __init__(self, position: int, reason: str):
        super().__init__(f"{position}: {reason}")
        self.position, self.reason = position, reason


class Verifier:
    def __init__(self, recorder: ApplicationRecorder, chain: StoredVersion, key: CheckpointKey):
        self.recorder, self.chain, self.key = recorder, chain, key

    def verify(self, start: int = 1, stop: int | None = None, progress: Progress | None = None) -> Report:
        """Check positions start..stop (default: up to the chain's head)."""
        head = self.chain.position()
        stop = head if stop is None else min(stop, head)
        start = max(start, 1)
        checkpoints = self._checkpoints(start, stop)
        recomputed: dict[int, bytes] = {}
        problem, checked = None, 0
        try:
            checked = self._walk(start, stop, {c["position"] for c in checkpoints}, recomputed, progress)
        except Problem as found:
            problem = found
        limit = problem.position if problem else stop + 1
        try:
            self._check_checkpoints([c for c in checkpoints if c["position"] < limit], recomputed, start)
        except Problem as found:
            problem = found
        if problem:
            return Report(False, max(problem.position - start, 0), head, problem.position, problem.reason)
        return Report(True, checked, head)

    def _walk(self, start: int, stop: int, marks: set[int], recomputed: dict[int, bytes],
              progress: Progress | None) -> int:
        previous, checked, position = self._hash_before(start), 0, start - 1
        events = self._events(start, stop)
        event = next(events, None)
        for stored in self._links(start, stop):
            position = stored["position"]
            if event is not None and event.id < position:
                raise Problem(event.id, "chain forged: no link is stored for this event")
            if event is None or event.id > position:
                raise Problem(position, "event missing" + ("" if event else ": the log ends before it"))
            previous = self._check(event, stored, previous)
            if position in marks:
                recomputed[position] = previous
            checked += 1
            if progress and checked % BATCH == 0:
                progress(position, stop)
            event = next(events, None)
        if event is not None and event.id <= stop:
            raise Problem(event.id, "chain forged: no link is stored for this event")
        if position < stop:
            raise Problem(position + 1, f"event missing: the log and the chain end at {position}, "
                          f"the chain's head is {stop}")
        return checked

    def _check(self, event: Notification, stored: Document, previous: bytes) -> bytes:
        record_digest = digest(event)
        if record_digest.hex() != stored["digest"]:
            moved = self.chain.find(LINKS, {"digest": record_digest.hex()}, limit=1)
            if moved:
                raise Problem(event.id, f"events reordered: this event was linked at position {moved[0]['position']}")
            raise Problem(event.id, "contents changed")
        current = link(previous, event.id, record_digest)
        if current.hex() != stored["hash"]:
            raise Problem(event.id, "chain forged: the stored hash does not follow from the previous one")
        return current

    def _check_checkpoints(self, checkpoints: list[Document], recomputed: dict[int, bytes], start: int) -> None:
        previous_seq, previous_position = None, start - 1
        for stored in checkpoints:
            position = stored["position"]
            if previous_seq is not None and stored["seq"] != previous_seq + 1:
                raise Problem(previous_position + 1, f"checkpoint forged: checkpoint {previous_seq + 1} is missing")
            checkpoint = Checkpoint(stored["seq"], position, bytes.fromhex(stored["head"]), stored["at"])
            if not self.key.signed(checkpoint, bytes.fromhex(stored["signature"])):
                raise Problem(position, f"checkpoint forged: the signature of checkpoint {stored['seq']} does not verify")
            if recomputed.get(position) != checkpoint.head:
                raise Problem(previous_position + 1, f"chain forged: the events after position {previous_position} "
                              f"do not give the head signed at position {position}")
            previous_seq, previous_position = stored["seq"], position

    def _checkpoints(self, start: int, stop: int) -> list[Document]:
        return self.chain.find(CHECKPOINTS, {"position": {"$gte": start, "$lte": stop}}, sort=[("seq", 1)])

    def _hash_before(self, start: int) -> bytes:
        if start <= 1:
            return GENESIS
        found = self.chain.find_one(LINKS, str(start - 1))
        if found is None:
            raise Problem(start - 1, "chain forged: no link is stored for this position")
        return bytes.fromhex(found["hash"])

    def _events(self, start: int, stop: int) -> Iterator[Notification]:
        after = start - 1
        while after < stop:
            batch = self.recorder.select_notifications(start=after, stop=stop, limit=BATCH, inclusive_of_start=False)
            if not batch:
                return
            yield from batch
            after = batch[-1].id

    def _links(self, start: int, stop: int) -> Iterator[Document]:
        after = start - 1
        while after < stop:
            batch = self.chain.find(LINKS, {"position": {"$gt": after, "$lte": stop}}, sort=[("position", 1)], limit=BATCH)
            if not batch:
                return
            yield from batch
            after = batch[-1]["position"]
