"""The one way in for commands: a transport submits a command (application/commands.py) and
awaits its answer; the command's handler decides it on the command writer.

Work that needs no aggregate and costs real time (hashing or checking a password) runs first,
on the caller's executor, so that the writer never waits for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from .commands import Command
from .context import CommandContext
from .staged import Prepare, Staged, Workspace
from .writer import CommandWriter

Handler = Callable[[Any, CommandContext, Workspace], Staged]
Before = Callable[[Any, CommandContext], Command]


class UnknownCommand(TypeError):
    pass


class CommandBus:
    def __init__(self, writer: CommandWriter, handlers: dict[type, Handler], before: dict[type, Before],
                 executor: Executor | None = None):
        self._writer = writer
        self._handlers = handlers
        self._before = before
        self._executor = executor  # None: asyncio's default executor

    async def submit(self, command: Command, context: CommandContext | None = None) -> Any:
        """Decide and append `command` as `context`'s actor; its answer, or the error it raised."""
        context = context or CommandContext.system()
        step = self._before.get(type(command))
        if step is not None:
            call = functools.partial(contextvars.copy_context().run, step, command, context)
            command = await asyncio.get_running_loop().run_in_executor(self._executor, call)
        return await self._writer.run(self._prepare(command, context))

    def call(self, command: Command, context: CommandContext | None = None) -> Any:
        """`submit` for blocking callers (the CLI, tests): never from the event loop."""
        context = context or CommandContext.system()
        step = self._before.get(type(command))
        if step is not None:
            command = step(command, context)
        return self._writer.call(self._prepare(command, context))

    def stats(self) -> tuple[int, int]:
        """(transactions the writer ran, commands they carried), for /metrics."""
        return self._writer.batches, self._writer.commands

    def close(self) -> None:
        """Finish the commands already queued, then refuse more."""
        self._writer.close()

    def _prepare(self, command: Command, context: CommandContext) -> Prepare:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise UnknownCommand(f"no handler for {type(command).__name__}")
        return functools.partial(handler, command, context)
