"""Every error as application/problem+json (RFC 9457): the one place errors become responses."""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from hubbub.adapters.logging import request_id_var
from hubbub.application.error_kinds import ErrorKind, error_kind
from hubbub.domain.errors import InvalidInput

from .schemas.problem import FieldError, Problem
from .validation import body_field_errors

MEDIA_TYPE = "application/problem+json"
CLIENT_GONE = "client disconnected prematurely"  # Litestar's words, raised as a 500
TYPE_BASE = "/problems/"
log = logging.getLogger("hubbub.http")

HTTP_TYPES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type",
    422: "validation-error", 429: "too-many-requests", 503: "service-unavailable",
}


class ProblemError(HTTPException):
    """An HTTP error raised by the adapter itself (rate limit, content type), with a problem type."""

    def __init__(self, status: int, kind: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.kind = kind


def problem(status: int, kind: str, detail: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(
        type=f"{TYPE_BASE}{kind}", title=HTTPStatus(status).phrase, status=status,
        detail=detail, request_id=request_id_var.get(), errors=errors,
    )


def problem_response(
    status: int, kind: str, detail: str, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None,
) -> Response[Problem]:
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="hubbub"', **(headers or {})}
    return Response(problem(status, kind, detail, errors), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def handle_exception(request: Request, error: Exception) -> Response[Problem]:
    if isinstance(error, ProblemError):
        return problem_response(error.status_code, error.kind, error.detail, headers=error.headers)
    kind = error_kind(error)
    if kind is not None:
        return _domain_problem(error, kind)
    if isinstance(error, ValidationException):
        return _validation_problem(request, error)
    if isinstance(error, HTTPException) and error.status_code < 500:
        kind = HTTP_TYPES.get(error.status_code, "error")
        return problem_response(error.status_code, kind, error.detail, headers=error.headers)
    if isinstance(error, HTTPException) and error.detail == CLIENT_GONE:
        log.info("client disconnected before sending its whole body", extra={"path": request.url.path})
        return problem_response(400, "bad-request", CLIENT_GONE)  # nobody is left to read it
    log.error("unhandled error", exc_info=error, extra={"path": request.url.path})
    return problem_response(500, "internal-error", "the server failed to answer; the request id tells us where")


def _domain_problem(error: Exception, kind: ErrorKind) -> Response[Problem]:
    errors = [FieldError(error.field, error.message)] if isinstance(error, InvalidInput) else None
    return problem_response(kind.status, kind.problem, str(error), errors)


def _validation_problem(request: Request, error: ValidationException) -> Response[Problem]:
    errors = _field_errors(error.extra)
    if _from_body(error.extra):
        errors = body_field_errors(request) or errors
    if not errors:
        return problem_response(400, "bad-request", _clean(error.detail))
    return problem_response(422, "validation-error", "the request has invalid fields", errors)


def _field_errors(extra: object) -> list[FieldError]:
    if not isinstance(extra, list):
        return []
    return [FieldError(_field_name(item), str(item.get("message", ""))) for item in extra if isinstance(item, dict)]


def _field_name(item: dict) -> str:
    key = str(item.get("key") or "")
    # Litestar names the whole body after the handler's parameter, `data`.
    return "body" if not key or (key == "data" and item.get("source") == "body") else key


def _from_body(extra: object) -> bool:
    return isinstance(extra, list) and any(isinstance(i, dict) and i.get("source") == "body" for i in extra)


def _clean(detail: str) -> str:
    # Litestar's messages name the method and path; the client sent those, the body is what failed.
    return detail.split(" - ", 1)[-1] if detail else "the request could not be read"
