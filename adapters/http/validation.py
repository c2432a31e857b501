"""Every bad field of a JSON body, not just the first: msgspec stops at one, clients want all."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.utils.scope.state import ScopeState

from .schemas.problem import FieldError


def body_field_errors(request: Request) -> list[FieldError]:
    """Re-check the (already read) body field by field against the handler's body struct."""
    body_type = _body_type(request)
    raw = ScopeState.from_scope(request.scope).body
    if body_type is None or not isinstance(raw, bytes):
        return []
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return []
    return struct_errors(body_type, value) if isinstance(value, dict) else []


def struct_errors(struct_type: type[msgspec.Struct], value: dict[str, Any]) -> list[FieldError]:
    errors = []
    for field in msgspec.structs.fields(struct_type):
        if field.encode_name not in value:
            if field.required:
                errors.append(FieldError(field.encode_name, "Object missing required field"))
            continue
        try:
            msgspec.convert(value[field.encode_name], field.type)
        except msgspec.ValidationError as error:
            errors.append(_located(field.encode_name, str(error)))
    return errors


def _located(name: str, message: str) -> FieldError:
    # "Expected `str` of length >= 3 - at `$.start`" → field "quiet_hours.start"
    text, _, where = message.partition(" - at `$")
    return FieldError(f"{name}{where.rstrip('`')}", text)


def _body_type(request: Request) -> type[msgspec.Struct] | None:
    handler = request.scope.get("route_handler")
    data = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
    annotation = getattr(data, "annotation", None)
    return annotation if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct) else None
