"""pymongo's exceptions, told in the eventsourcing library's PEP 249 vocabulary.

Applications catch eventsourcing.persistence errors (IntegrityError above all: it means
"someone else already wrote this version"), so no pymongo type may leak from a recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from bson.errors import BSONError
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from pymongo.errors import (
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    InvalidName,
    InvalidOperation,
    OperationFailure,
    PyMongoError,
    WTimeoutError,
)

DUPLICATE_KEY = 11000
ILLEGAL_OPERATION = 20  # e.g. "Transaction numbers are only allowed on a replica set member or mongos"
CHANGE_STREAM_NEEDS_REPLICA_SET = 40573
UNAUTHORIZED = 13
NAMESPACE_NOT_FOUND = 26
RETRY_LABELS = ("TransientTransactionError", "UnknownTransactionCommitResult")

P = ParamSpec("P")
R = TypeVar("R")


def duplicate_key_errors(error: BaseException) -> list[Mapping[str, Any]]:
    """The server's duplicate key error documents carried by `error` (none: not a duplicate)."""
    # insert_many reports a duplicate as a BulkWriteError whose writeErrors carry the code.
    if isinstance(error, BulkWriteError):
        return [e for e in error.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
    if isinstance(error, DuplicateKeyError) or (isinstance(error, OperationFailure) and error.code == DUPLICATE_KEY):
        return [error.details or {"errmsg": str(error)}]  # type: ignore[union-attr]
    return []


def is_duplicate_key(error: BaseException) -> bool:
    return bool(duplicate_key_errors(error))


def is_duplicate_id(error: BaseException) -> bool:
    """A duplicate on the _id index: the server names the key (keyPattern, MongoDB 4.4+) or
    the index ("index: _id_ dup key" in the message)."""
    return any(
        e.get("keyPattern") == {"_id": 1} or " index: _id_ " in str(e.get("errmsg", ""))
        for e in duplicate_key_errors(error)
    )


def translate(error: PyMongoError | BSONError) -> PersistenceError:
    """The eventsourcing exception that says what `error` means to a caller."""
    message = str(error)
    if isinstance(error, BSONError):
        return DataError(message)
    if is_duplicate_key(error):
        return IntegrityError(message)
    # `timeout`: the client's timeoutMS ran out (ExecutionTimeout, NetworkTimeout, a
    # write concern or bulk write timing out, MaxTimeMSExpired), or the server gave up.
    if error.timeout or isinstance(error, (ConnectionFailure, ExecutionTimeout, WTimeoutError)):
        return OperationalError(message)
    if isinstance(error, (ConfigurationError, InvalidOperation)):
        return InterfaceError(message)
    if isinstance(error, InvalidName):
        return ProgrammingError(message)
    if isinstance(error, OperationFailure):
        return _translate_server_error(error, message)
    return PersistenceError(message)


def _translate_server_error(error: OperationFailure, message: str) -> DatabaseError:
    if any(error.has_error_label(label) for label in RETRY_LABELS):
        # Still transient after pymongo's 120 s of retries: the server is busy or failing over.
        return OperationalError(message)
    if error.code in (ILLEGAL_OPERATION, CHANGE_STREAM_NEEDS_REPLICA_SET):
        return NotSupportedError(f"{message} (this persistence module needs a replica set)")
    if error.code in (UNAUTHORIZED, NAMESPACE_NOT_FOUND):
        return ProgrammingError(message)
    return DatabaseError(message)


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """Decorate a recorder method so that it raises only eventsourcing's exceptions."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (PyMongoError, BSONError) as error:
            raise translate(error) from error

    return wrapper
