"""Every command of hubbub, reachable without HTTP or sockets."""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import AccountService
from .app import Hubbub
from .messages import MessageService
from .notifications import NotificationService
from .ports import PasswordHasher
from .reads import ReadService
from .rooms import RoomService
from .writer import CommandWriter


@dataclass(frozen=True)
class Services:
    app: Hubbub
    accounts: AccountService
    rooms: RoomService
    messages: MessageService
    reads: ReadService
    notifications: NotificationService
    writer: CommandWriter

    @classmethod
    def build(cls, app: Hubbub, hasher: PasswordHasher) -> Services:
        rooms = RoomService(app)
        writer = CommandWriter(app)
        return cls(
            app=app,
            accounts=AccountService(app, hasher),
            rooms=rooms,
            messages=MessageService(app, writer),
            reads=ReadService(app, rooms),
            notifications=NotificationService(app),
            writer=writer,
        )

    def close(self) -> None:
        self.writer.close()
        self.app.close()
