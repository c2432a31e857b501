"""One table of error kinds for every transport: a socket code beside the HTTP status."""

from __future__ import annotations

from uuid import uuid4

import pytest

from hubbub.adapters.auth.tokens import TokenRejected
from hubbub.application.error_kinds import error_kind
from hubbub.application.errors import ConcurrentUpdate, IdempotencyKeyReused, InvalidCredentials
from hubbub.application.read_models import StaleReadModel
from hubbub.domain.account import UsernameTaken
from hubbub.domain.errors import InvalidInput
from hubbub.domain.room import NotAMember, RoomNotFound
from hubbub.domain.session import SessionRevoked


@pytest.mark.parametrize(("error", "code", "status", "problem"), [
    (InvalidInput("body", "too long"), "invalid_input", 422, "validation-error"),
    (IdempotencyKeyReused(), "invalid_input", 422, "idempotency-key-reused"),
    (RoomNotFound(uuid4()), "not_found", 404, "not-found"),
    (NotAMember(uuid4()), "forbidden", 403, "forbidden"),
    (UsernameTaken("ann"), "conflict", 409, "conflict"),
    (ConcurrentUpdate("gave up"), "conflict", 409, "concurrent-update"),
    (StaleReadModel("not yet"), "unavailable", 409, "stale-read-model"),
    (InvalidCredentials(), "invalid_credentials", 401, "invalid-credentials"),
    (SessionRevoked(uuid4(), "logout"), "session_revoked", 401, "session-revoked"),
    (TokenRejected("the token has expired", "token_expired"), "token_expired", 401, "invalid-token"),
    (TokenRejected("the token is not valid"), "invalid_token", 401, "invalid-token"),
])
def test_each_error_has_one_kind(error, code, status, problem):
    kind = error_kind(error)
    assert (kind.code, kind.status, kind.problem) == (code, status, problem)


def test_a_fault_has_no_kind():
    assert error_kind(RuntimeError("bug")) is None
