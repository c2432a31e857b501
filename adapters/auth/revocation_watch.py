"""Follows the log for revoked sessions, whichever process revoked them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from eventsourcing.utils import get_topic

from hubbub.application.topics import with_legacy
from hubbub.domain.session import Session

logger = logging.getLogger(__name__)
POLL_S = 0.1
PAGE = 1_000


def revoked_topic() -> str:
    return get_topic(Session.Revoked)  # type: ignore[attr-defined]  # made by @event("Revoked")


class RevocationWatch:
    """A thread scanning the log for Session.Revoked events from the head onwards (older ones
    were read from the store by whoever asked), calling `on_revoked` with each session id and
    the reason the event gives (runtime.revocations, which tells every subscriber).

    It polls a range (last scanned, head] with a topic filter, so the store skips every other
    event without handing it to Python; a subscription would wake, and read, on every commit.
    This process's own revocations do not wait for it: the controllers report them at once.
    """

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper, on_revoked: Callable[[UUID, str], None],
                 poll_s: float = POLL_S):
        self._recorder = recorder
        self._mapper = mapper
        self._on_revoked = on_revoked
        self._poll_s = poll_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.position = 0

    def start(self) -> None:
        self.position = self._recorder.max_notification_id() or 0
        self._thread = threading.Thread(target=self._run, name="hubbub-revocation-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_s):
            try:
                self.scan()
            except Exception:  # noqa: BLE001 - the store is unreachable: the next poll resumes
                logger.exception("revocation watch failed at position %d; retrying", self.position)

    def _reason(self, notification: Notification) -> str:
        try:
            return str(self._mapper.to_domain_event(notification).reason)
        except Exception:  # noqa: BLE001 - an event we cannot decode still revokes its session
            logger.exception("could not read a revocation's reason at position %d", notification.id)
            return "revoked"

    def scan(self) -> None:
        """Report every revocation up to the current head."""
        head = self._recorder.max_notification_id() or 0
        topic = revoked_topic()
        while self.position < head:
            found = self._recorder.select_notifications(
                start=self.position, stop=head, limit=PAGE, topics=with_legacy([topic]), inclusive_of_start=False,
            )
            for notification in found:
                session_id = notification.originator_id
                session_id = session_id if isinstance(session_id, UUID) else UUID(str(session_id))
                self._on_revoked(session_id, self._reason(notification))
            self.position = found[-1].id if len(found) == PAGE else head
