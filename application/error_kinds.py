"""What kind of failure an error is, for every transport: a socket ack's `code`, an HTTP status
and problem type. The table lives here once; adapters render it (adapters/http/problems.py)."""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from hubbub.domain.session import SessionRevoked

from .errors import ConcurrentUpdate, IdempotencyKeyReused, InvalidCredentials, RefreshTokenReused, Unauthenticated
from .read_models import StaleReadModel


@dataclass(frozen=True)
class ErrorKind:
    code: str  # the socket contract's word (invalid_input, not_found, forbidden, conflict, ...)
    status: int  # the HTTP status
    problem: str  # the HTTP problem type, under /problems/

    @property
    def title(self) -> str:
        return self.problem.replace("-", " ").capitalize()


INVALID_INPUT = ErrorKind("invalid_input", 422, "validation-error")
NOT_FOUND = ErrorKind("not_found", 404, "not-found")
FORBIDDEN = ErrorKind("forbidden", 403, "forbidden")
CONFLICT = ErrorKind("conflict", 409, "conflict")
RATE_LIMITED = ErrorKind("rate_limited", 429, "too-many-requests")
PAYLOAD_TOO_LARGE = ErrorKind("payload_too_large", 413, "payload-too-large")
UNAVAILABLE = ErrorKind("unavailable", 503, "service-unavailable")
BAD_REQUEST = ErrorKind("invalid_input", 400, "bad-request")

# Most specific first: the first class an error is an instance of decides.
KINDS: list[tuple[type[BaseException], ErrorKind]] = [
    (StaleReadModel, ErrorKind("unavailable", 409, "stale-read-model")),
    (IdempotencyKeyReused, ErrorKind("invalid_input", 422, "idempotency-key-reused")),
    (InvalidInput, INVALID_INPUT),
    (NotFound, NOT_FOUND),
    (Forbidden, FORBIDDEN),
    (ConcurrentUpdate, ErrorKind("conflict", 409, "concurrent-update")),
    (Conflict, CONFLICT),
    (InvalidCredentials, ErrorKind("invalid_credentials", 401, "invalid-credentials")),
    (RefreshTokenReused, ErrorKind("session_revoked", 401, "refresh-token-reused")),
    (SessionRevoked, ErrorKind("session_revoked", 401, "session-revoked")),
    (DomainError, BAD_REQUEST),
]


def error_kind(error: BaseException) -> ErrorKind | None:
    """The kind of a domain or application error; None for anything else (a fault: 500)."""
    if isinstance(error, Unauthenticated):
        return ErrorKind(error.code, 401, "invalid-token")
    return next((kind for cls, kind in KINDS if isinstance(error, cls)), None)
