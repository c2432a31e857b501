"""The runtime's threads: blocking work on one pool, read-model queries on a narrow one."""

from __future__ import annotations

import asyncio
import threading
import time
from contextvars import ContextVar

import pytest

from hubbub.application.threads import Executors

where: ContextVar[str] = ContextVar("where", default="unset")


@pytest.fixture
def executors():
    executors = Executors(query_threads=2)
    yield executors
    executors.close()


def test_queries_and_blocking_work_run_off_the_loop_on_their_own_pools(executors):
    async def main():
        loop_thread = threading.current_thread().name
        blocking = await executors.in_thread(lambda: threading.current_thread().name)
        query = await executors.in_query_thread(lambda: threading.current_thread().name)
        return loop_thread, blocking, query

    loop_thread, blocking, query = asyncio.run(main())
    assert blocking.startswith("hubbub-worker") and query.startswith("hubbub-query")
    assert loop_thread not in (blocking, query)


def test_the_query_pool_runs_at_most_its_size_at_once(executors):
    running, peak, lock = [0], [0], threading.Lock()

    def query():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    async def main():
        await asyncio.gather(*(executors.in_query_thread(query) for _ in range(8)))

    asyncio.run(main())
    assert peak[0] == 2


def test_the_callers_context_travels_with_the_call(executors):
    async def main():
        where.set("request 42")
        return await executors.in_thread(where.get), await executors.in_query_thread(where.get)

    assert asyncio.run(main()) == ("request 42", "request 42")


def test_closed_executors_take_no_more_work(executors):
    executors.close()
    with pytest.raises(RuntimeError):
        asyncio.run(executors.in_thread(lambda: None))


def test_a_pool_needs_a_thread():
    with pytest.raises(ValueError):
        Executors(query_threads=0)
