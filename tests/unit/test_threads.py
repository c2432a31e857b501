"""Worker threads: commands and waits on a wide pool, read-model queries on a narrow one."""

from __future__ import annotations

import asyncio
import threading
import time
from contextvars import ContextVar

import pytest

from hubbub.application import threads
from hubbub.application.threads import in_query_thread, in_thread, use_query_threads

where: ContextVar[str] = ContextVar("where", default="unset")


@pytest.fixture(autouse=True)
def default_query_threads():
    yield
    use_query_threads(threads.QUERY_WORKERS)


def test_queries_and_commands_run_off_the_loop_on_their_own_pools():
    async def main():
        loop_thread = threading.current_thread().name
        command = await in_thread(lambda: threading.current_thread().name)
        query = await in_query_thread(lambda: threading.current_thread().name)
        return loop_thread, command, query

    loop_thread, command, query = asyncio.run(main())
    assert command.startswith("hubbub-worker") and query.startswith("hubbub-query")
    assert loop_thread not in (command, query)


def test_the_query_pool_runs_at_most_its_size_at_once():
    use_query_threads(2)
    running, peak, lock = [0], [0], threading.Lock()

    def query():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    async def main():
        await asyncio.gather(*(in_query_thread(query) for _ in range(8)))

    asyncio.run(main())
    assert peak[0] == 2


def test_the_callers_context_travels_with_the_call():
    async def main():
        where.set("request 42")
        return await in_thread(where.get), await in_query_thread(where.get)

    assert asyncio.run(main()) == ("request 42", "request 42")


def test_a_query_pool_needs_a_thread():
    with pytest.raises(ValueError):
        use_query_threads(0)
