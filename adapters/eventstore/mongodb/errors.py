"""pymongo's exceptions, told in the eventsourcing library's PEP 249 vocabulary.

Applications catch eventsourcing.persistence errors (IntegrityError above all: it means
"someone else already wrote this version"), so no pymongo type may leak from a recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

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


def is_duplicate_key(error: BaseException) -> bool:
    # insert_many reports a duplicate as a BulkWriteError whose writeErrors carry the code.
    if isinstance(error, DuplicateKeyError):
        return True
    if isinstance(error, BulkWriteError):
        return any(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", []))
    return isinstance(error, OperationFailure) and error.code == DUPLICATE_KEY


def translate(error: PyMongoError | BSONError) -> PersistenceError:
    """The eventsourcing exception that says what `error` means to a caller."""
    message = str(error)
    if isinstance(error, BSONError):
        return DataError(message)
    if is_duplicate_key(error):
        return IntegrityError(message)
    if isinstance(error, (ConnectionFailure, ExecutionTimeout, WTimeoutError)):
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
