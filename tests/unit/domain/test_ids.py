"""Random ids: uuid4's kind of id, from a buffer that a forked child never shares."""

from __future__ import annotations

import os
import threading
import uuid

from hubbub.domain.ids import random_id


def test_random_ids_are_version_4_rfc_4122_uuids():
    for _ in range(600):  # past a refill of the buffer
        value = random_id()
        assert (value.version, value.variant) == (4, uuid.RFC_4122)


def test_random_ids_do_not_repeat_across_threads():
    found: list[uuid.UUID] = []

    def draw() -> None:
        found.extend(random_id() for _ in range(2_000))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == len(found) == 8_000


def test_a_forked_child_draws_other_ids_than_its_parent():
    random_id()  # the parent's buffer now holds ids still to hand out
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write_end, b"".join(random_id().bytes for _ in range(10)))
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end, "rb") as pipe:
        childs = {pipe.read(16) for _ in range(10)}
    parents = {random_id().bytes for _ in range(10)}
    assert not childs & parents
