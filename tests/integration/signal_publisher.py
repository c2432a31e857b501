"""Publishes signals on the host's signal file from a process of its own:
python -m tests.integration.signal_publisher <file> <count>."""

from __future__ import annotations

import asyncio
import sys

from hubbub.adapters.signals.sqlite_bus import SqliteBus
from hubbub.adapters.signals.sqlite_file import SignalFile


async def main(path: str, count: int) -> None:
    bus = SqliteBus(SignalFile(path))
    for n in range(count):
        await bus.publish("counted", {"n": n})
    await bus.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
