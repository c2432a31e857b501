"""Event topics across the package rename: logs written before it name `domain.…` modules.

Events are stored with their class's topic (`module:Class.Event`). Since the folders install as
`hubbub.*`, new events say `hubbub.domain.room:Room.Created` where older ones say
`domain.room:Room.Created`. The library resolves the old names through a registered alias;
whoever filters the log by topic asks for both names and reads the current one.
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.utils import register_topic

import hubbub.domain

LEGACY_PREFIX = "domain."
CURRENT_PREFIX = "hubbub.domain."


def register_legacy_topics() -> None:
    """Let the library load events and snapshots stored under the old module names."""
    register_topic(LEGACY_PREFIX.rstrip("."), hubbub.domain)


def current_topic(topic: str) -> str:
    return CURRENT_PREFIX + topic[len(LEGACY_PREFIX):] if topic.startswith(LEGACY_PREFIX) else topic


def with_legacy(topics: Iterable[str]) -> list[str]:
    """The topics and the names the same events had before the rename: what a topic filter asks for."""
    topics = list(topics)
    return topics + [LEGACY_PREFIX + t[len(CURRENT_PREFIX):] for t in topics if t.startswith(CURRENT_PREFIX)]
