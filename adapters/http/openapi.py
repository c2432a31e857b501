"""The OpenAPI document (/schema, /schema/openapi.json) and the error responses each route declares."""

from __future__ import annotations

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from .problems import MEDIA_TYPE
from .schemas.problem import Problem

BEARER = "BearerToken"
SIGNED_IN = [{BEARER: []}]

# Any /api route can meet these: bad JSON, no or a bad token, a malformed id in the path, a
# huge body, a wrong content type, an invalid field, a rate limit.
COMMON = (400, 401, 404, 413, 415, 422, 429)
_REASONS = {
    400: "The request could not be read", 401: "No valid access token", 403: "Not allowed",
    404: "No such thing (or not visible to the caller)", 409: "Conflict, or the read model is stale",
    413: "The body is larger than 64 KiB", 415: "The body is not JSON", 422: "Invalid fields",
    429: "Rate limited", 503: "Not available",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(data_container=Problem, media_type=MEDIA_TYPE, description=_REASONS[status],
                             generate_examples=False)
        for status in sorted({*COMMON, *statuses})
    }


def no_content(*statuses: int) -> dict[int, ResponseSpec]:
    """A 204 documented as bodiless: its position travels in the Hubbub-Position header."""
    done = ResponseSpec(data_container=None, description="Done: the command's position is in Hubbub-Position")
    return {**problems(*statuses), 204: done}


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="hubbub",
        version="1.0.0",
        description="Event-sourced chat and notifications. Every error is application/problem+json.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin()],
        components=Components(
            security_schemes={BEARER: SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
        ),
        use_handler_docstrings=True,
    )
