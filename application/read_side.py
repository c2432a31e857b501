"""The query side as a transport uses it: caught up to a position without holding a thread,
then asked on the query threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from .read_models import ReadModels
from .threads import Executors
from .waiting import ProgressWaits

P = ParamSpec("P")
T = TypeVar("T")


class ReadSide:
    def __init__(self, models: ReadModels, executors: Executors, timeout_s: float):
        self.models = models
        self.executors = executors
        self.timeout_s = timeout_s
        self.waits = ProgressWaits(lambda: executors.in_query_thread(models.processed_position))

    async def caught_up(self, position: int | None) -> ReadModels:
        """The read models, once they have processed `position` (StaleReadModel after the timeout)."""
        if position:
            await self.waits.wait_for(position, self.timeout_s)
        return self.models

    async def ask(self, query: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.executors.in_query_thread(query, *args, **kwargs)

    async def close(self) -> None:
        await self.waits.close()
