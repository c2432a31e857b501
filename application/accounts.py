"""Accounts and their sessions: registration, credentials, roles, preferences.

Checking and hashing passwords (argon2) needs no aggregate and costs milliseconds: the bus runs
it before queueing (`before` steps), so it never holds the writer. What reaches the writer is
an already-verified command of this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from uuid import UUID

from hubbub.domain.account import Account, UsernameTaken, normalised_username, validated_password
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.domain.ids import account_id, random_id
from hubbub.domain.session import Session

from . import commands as c
from .app import Hubbub
from .context import CommandContext
from .errors import InvalidCredentials, RefreshTokenReused
from .ports import PasswordHasher
from .staged import Staged, Workspace


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


@dataclass(frozen=True)
class PasswordChanged:
    revoked: list[UUID]  # the account's other sessions, now closed
    position: int


# What the writer receives once the password work is done.

@dataclass(frozen=True)
class HashedRegistration(c.Command):
    username: str
    password_hash: str
    display_name: str | None = None


@dataclass(frozen=True)
class VerifiedSignIn(c.Command):
    account_id: UUID
    device_name: str | None = None
    rehashed: str | None = None  # the password under the current argon2 cost, when it changed


@dataclass(frozen=True)
class VerifiedPasswordChange(c.Command):
    password_hash: str
    kept_session_id: UUID | None


class AccountService:
    def __init__(self, app: Hubbub, hasher: PasswordHasher):
        self.app = app
        self.hasher = hasher
        # Verifying against this when the user is unknown makes both failures cost the same.
        self._decoy_hash = hasher.hash(secrets.token_urlsafe(16))

    # Queries.

    def get(self, user_id: UUID) -> Account:
        return self.app.load(Account, user_id)

    def find(self, username: str) -> Account:
        return self.app.load(Account, account_id(normalised_username(username)))

    def get_session(self, session_id: UUID) -> Session:
        return self.app.load(Session, session_id)

    def live_sessions(self, user_id: UUID) -> list[Session]:
        account = self.get(user_id)
        return [self.get_session(UUID(s)) for s in account.live_sessions]

    def authenticate(self, username: str, password: str) -> Account:
        """The account these credentials open; one password hash whether or not it exists."""
        account = self._known_account(username)
        stored = account.password_hash if account else self._decoy_hash
        if not self.hasher.verify(stored, password if isinstance(password, str) else "") or account is None:
            raise InvalidCredentials()
        return account

    def _known_account(self, username: str) -> Account | None:
        try:
            return self.find(username)
        except (InvalidInput, NotFound):
            return None

    # Before the writer (blocking: the bus runs these on its executor).

    def before(self) -> dict:
        return {c.Register: self._hash_registration, c.StartSession: self._verify_sign_in,
                c.ChangePassword: self._verify_password_change}

    def _hash_registration(self, command: c.Register, _context: CommandContext) -> HashedRegistration:
        password_hash = self.hasher.hash(validated_password(command.password))
        return HashedRegistration(command.username, password_hash, command.display_name)

    def _verify_sign_in(self, command: c.StartSession, _context: CommandContext) -> VerifiedSignIn:
        account = self.authenticate(command.username, command.password)
        rehashed = self.hasher.hash(command.password) if self.hasher.needs_rehash(account.password_hash) else None
        return VerifiedSignIn(account.id, command.device_name, rehashed)

    def _verify_password_change(self, command: c.ChangePassword, context: CommandContext) -> VerifiedPasswordChange:
        account = self.get(context.actor_id)
        current = command.current_password if isinstance(command.current_password, str) else ""
        if not self.hasher.verify(account.password_hash, current):
            raise InvalidCredentials()
        if validated_password(command.new_password) == current:
            raise InvalidInput("new_password", "must differ from the current password")
        return VerifiedPasswordChange(self.hasher.hash(command.new_password), command.session_id)

    # On the writer.

    def handlers(self) -> dict:
        return {
            HashedRegistration: register, VerifiedSignIn: open_session, c.Refresh: rotate_session,
            c.RevokeSession: revoke_session, VerifiedPasswordChange: change_password, c.Promote: promote,
            c.UpdateNotificationPrefs: update_notification_prefs,
            c.SetCategorySubscription: set_category_subscription,
        }


def register(command: HashedRegistration, context: CommandContext, ws: Workspace) -> Staged:
    account = Account.register(command.username, command.display_name, command.password_hash)
    if ws.find(Account, account.id) is not None:
        raise UsernameTaken(account.username)
    return Staged(replace(context, actor_id=account.id), (account,), lambda position: (account, position))


def open_session(command: VerifiedSignIn, context: CommandContext, ws: Workspace) -> Staged:
    account = ws.load(Account, command.account_id)
    if command.rehashed:
        account.change_password_hash(command.rehashed)
    token_id, session_id = secrets.token_urlsafe(24), random_id()
    session = Session.open(session_id, account.id, command.device_name, token_id)
    evicted = account.open_session(session_id)
    gone = [_revoked(ws, s, "evicted", account.id) for s in evicted]
    return Staged(replace(context, actor_id=account.id), (account, session, *gone),
                  lambda position: OpenedSession(session_id, account.id, token_id, evicted, position))


def rotate_session(command: c.Refresh, context: CommandContext, ws: Workspace) -> Staged:
    """Spend one refresh token for the next; a replayed token revokes the session."""
    new_token_id = secrets.token_urlsafe(24)
    session = ws.load(Session, command.session_id)
    rotated = session.rotate(command.token_id, new_token_id)
    account = None if rotated else _closed(ws, session, "refresh-token-reuse")

    def answer(position: int) -> RotatedSession:
        if not rotated:
            raise RefreshTokenReused()
        return RotatedSession(session, new_token_id, position)

    aggregates = (session,) if account is None else (session, account)
    return Staged(replace(context, actor_id=session.account_id), aggregates, answer)


def revoke_session(command: c.RevokeSession, context: CommandContext, ws: Workspace) -> Staged:
    session = ws.load(Session, command.session_id)
    if session.account_id != context.actor_id:
        raise NotFound(f"session {command.session_id} not found")
    session.revoke(command.reason, context.actor_id)
    return Staged(context, (session, _closed(ws, session, command.reason)), lambda position: position)


def change_password(command: VerifiedPasswordChange, context: CommandContext, ws: Workspace) -> Staged:
    account = ws.load(Account, context.actor_id)
    account.change_password_hash(command.password_hash)
    others = [UUID(s) for s in account.live_sessions if UUID(s) != command.kept_session_id]
    sessions = [_revoked(ws, s, "password-changed", account.id) for s in others]
    for session_id in others:
        account.close_session(session_id, "password-changed", actor_id=account.id)
    return Staged(context, (account, *sessions), lambda position: PasswordChanged(others, position))


def promote(command: c.Promote, context: CommandContext, ws: Workspace) -> Staged:
    account = ws.load(Account, account_id(normalised_username(command.username)))
    account.promote_to_admin(context.actor_id)
    return Staged(context, (account,), lambda position: position)


def update_notification_prefs(command: c.UpdateNotificationPrefs, context: CommandContext, ws: Workspace) -> Staged:
    account = ws.load(Account, context.actor_id)
    account.update_notification_prefs(**command.changes)
    return Staged(context, (account,), lambda position: (account.notification_prefs, position))


def set_category_subscription(command: c.SetCategorySubscription, context: CommandContext, ws: Workspace) -> Staged:
    account = ws.load(Account, context.actor_id)
    account.subscribe_category(command.category, command.subscribed)
    return Staged(context, (account,), lambda position: position)


def _revoked(ws: Workspace, session_id: UUID, reason: str, actor_id: UUID) -> Session:
    session = ws.load(Session, session_id)
    session.revoke(reason, actor_id)
    return session


def _closed(ws: Workspace, session: Session, reason: str) -> Account:
    account = ws.load(Account, session.account_id)
    account.close_session(session.id, reason, actor_id=session.account_id)
    return account
