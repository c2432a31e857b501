"""Every command of hubbub (through `commands`) and the few reads of aggregates, without HTTP or sockets."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from . import notifications
from .accounts import AccountService
from .app import Hubbub
from .bus import CommandBus
from .messages import MessageService
from .ports import PasswordHasher
from .reads import ReadService
from .rooms import RoomService
from .writer import CommandWriter


@dataclass(frozen=True)
class Services:
    app: Hubbub
    commands: CommandBus
    accounts: AccountService
    rooms: RoomService
    messages: MessageService
    reads: ReadService

    @classmethod
    def build(cls, app: Hubbub, hasher: PasswordHasher, executor: Executor | None = None) -> Services:
        accounts, rooms, messages, reads = AccountService(app, hasher), RoomService(app), MessageService(app), ReadService(app)
        handlers = {**accounts.handlers(), **rooms.handlers(), **messages.handlers(), **reads.handlers(),
                    **notifications.handlers()}
        bus = CommandBus(CommandWriter(app), handlers, accounts.before(), executor)
        return cls(app=app, commands=bus, accounts=accounts, rooms=rooms, messages=messages, reads=reads)

    def close(self) -> None:
        self.commands.close()
        self.app.close()
