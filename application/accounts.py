"""Accounts and their sessions: registration, credentials, roles, preferences."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from hubbub.domain.account import Account, UsernameTaken, normalised_username
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.domain.ids import account_id, random_id
from hubbub.domain.session import Session

from .app import Hubbub
from .concurrency import with_retries
from .context import CommandContext
from .errors import InvalidCredentials, RefreshTokenReused
from .ports import PasswordHasher

MIN_PASSWORD = 8
MAX_PASSWORD = 128


@dataclass(frozen=True)
class RotatedSession:
    session: Session
    token_id: str
    position: int


@dataclass(frozen=True)
class OpenedSession:
    session_id: UUID
    account_id: UUID
    token_id: str
    evicted: list[UUID]
    position: int


class AccountService:
    def __init__(self, app: Hubbub, hasher: PasswordHasher):
        self.app = app
        self.hasher = hasher
        # Verifying against this when the user is unknown makes both failures cost the same.
        self._decoy_hash = hasher.hash(secrets.token_urlsafe(16))

    def register(self, username: str, password: str, display_name: str | None = None) -> tuple[Account, int]:
        account = Account.register(username, display_name, self.hasher.hash(validated_password(password)))
        try:
            return account, self.app.commit(CommandContext(actor_id=account.id), account)
        except IntegrityError:
            raise UsernameTaken(account.username) from None

    def get(self, user_id: UUID) -> Account:
        return self.app.load(Account, user_id)

    def find(self, username: str) -> Account:
        return self.app.load(Account, account_id(normalised_username(username)))

    def authenticate(self, username: str, password: str) -> Account:
        account = self._known_account(username)
        stored = account.password_hash if account else self._decoy_hash
        if not self.hasher.verify(stored, password if isinstance(password, str) else "") or account is None:
            raise InvalidCredentials()
        if self.hasher.needs_rehash(stored):
            account.change_password_hash(self.hasher.hash(password))
            self.app.commit(CommandContext(actor_id=account.id), account)
        return account

    def _known_account(self, username: str) -> Account | None:
        try:
            return self.find(username)
        except (InvalidInput, NotFound):
            return None

    def promote(self, context: CommandContext, username: str) -> int:
        def command() -> int:
            account = self.find(username)
            account.promote_to_admin(context.actor_id)
            return self.app.commit(context, account)

        return with_retries(command)

    def update_notification_prefs(self, context: CommandContext, **changes: object) -> tuple[dict, int]:
        def command() -> tuple[dict, int]:
            account = self.get(context.actor_id)
            account.update_notification_prefs(**changes)
            return account.notification_prefs, self.app.commit(context, account)

        return with_retries(command)

    def set_category_subscription(self, context: CommandContext, category: str, subscribed: bool) -> int:
        def command() -> int:
            account = self.get(context.actor_id)
            account.subscribe_category(category, subscribed)
            return self.app.commit(context, account)

        return with_retries(command)

    # Sessions.

    def open_session(self, user_id: UUID, device_name: str | None = None) -> OpenedSession:
        token_id = secrets.token_urlsafe(24)
        session_id = random_id()

        def command() -> OpenedSession:
            account = self.get(user_id)
            session = Session.open(session_id, account.id, device_name, token_id)
            evicted = account.open_session(session_id)
            gone = [self._revoked(s, "evicted", account.id) for s in evicted]
            position = self.app.commit(CommandContext(actor_id=account.id), account, session, *gone)
            return OpenedSession(session_id, account.id, token_id, evicted, position)

        return with_retries(command)

    def _revoked(self, session_id: UUID, reason: str, actor_id: UUID) -> Session:
        session = self.app.load(Session, session_id)
        session.revoke(reason, actor_id)
        return session

    def get_session(self, session_id: UUID) -> Session:
        return self.app.load(Session, session_id)

    def peek_session(self, session_id: UUID) -> Session:
        """The session for checks only (is it live?): shared with the cache, never to be changed."""
        return self.app.load(Session, session_id, for_change=False)

    def rotate_session(self, session_id: UUID, presented_token_id: str) -> RotatedSession:
        """Spend one refresh token for the next; a replayed token revokes the session."""
        new_token_id = secrets.token_urlsafe(24)

        def command() -> tuple[RotatedSession, bool]:
            session = self.get_session(session_id)
            rotated = session.rotate(presented_token_id, new_token_id)
            account = None if rotated else self._closed(session, "refresh-token-reuse")
            position = self.app.commit(CommandContext(actor_id=session.account_id), session, account)
            return RotatedSession(session, new_token_id, position), rotated

        outcome, rotated = with_retries(command)
        if not rotated:
            raise RefreshTokenReused()
        return outcome

    def revoke_session(self, context: CommandContext, session_id: UUID, reason: str = "logout") -> int:
        def command() -> int:
            session = self.get_session(session_id)
            if session.account_id != context.actor_id:
                raise NotFound(f"session {session_id} not found")
            session.revoke(reason, context.actor_id)
            return self.app.commit(context, session, self._closed(session, reason))

        return with_retries(command)

    def _closed(self, session: Session, reason: str) -> Account:
        account = self.get(session.account_id)
        account.close_session(session.id, reason, actor_id=session.account_id)
        return account

    def live_sessions(self, user_id: UUID) -> list[Session]:
        account = self.get(user_id)
        return [self.get_session(UUID(s)) for s in account.live_sessions]


def validated_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", f"must be {MIN_PASSWORD}–{MAX_PASSWORD} characters")
    return password
