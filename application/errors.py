"""Errors the application layer adds to the domain's: they concern commands, not rules."""

from hubbub.domain.errors import Conflict, DomainError, InvalidInput


class ConcurrentUpdate(Conflict):
    """Writers kept racing on one aggregate; retrying from fresh state did not settle it."""


class IdempotencyKeyReused(InvalidInput):
    """The same idempotency key came back with a different request."""

    def __init__(self) -> None:
        super().__init__("client_msg_id", "this key was already used for a different message")


class InvalidCredentials(DomainError):
    """Unknown user or wrong password: deliberately the same error for both."""

    def __init__(self) -> None:
        super().__init__("invalid username or password")


class RefreshTokenReused(DomainError):
    """A spent refresh token came back: the session it belonged to is now revoked."""

    def __init__(self) -> None:
        super().__init__("refresh token already used; the session has been revoked")


class Unauthenticated(Exception):
    """No identity could be established: `code` says why, in the socket contract's words
    (invalid_token, token_expired, session_revoked); the message is safe to show."""

    def __init__(self, message: str, code: str = "invalid_token"):
        super().__init__(message)
        self.code = code
