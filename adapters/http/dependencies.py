"""Every dependency a handler can ask for, provided in this one place."""

from __future__ import annotations

from typing import TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from hubbub.adapters.auth.identify import Identity
from hubbub.adapters.bootstrap import Runtime
from hubbub.application.context import CommandContext
from hubbub.application.read_models import ReadModels

from .params import MinPosition


def _runtime(state: State) -> Runtime:
    return state.runtime


def principal_of(request: Request) -> Identity:
    # Only reachable on signed_in_only() routes, where SignedInMiddleware refused every request without one.
    return request.scope["user"]


def context_of(request: Request) -> CommandContext:
    """The request id correlates every event a request appends, and is their cause."""
    return CommandContext.for_request(request.scope["user"].user_id, request.scope["state"].get("request_id"))


# Litestar resolves two or more dependencies of one handler concurrently, in an anyio task
# group: about 130 µs a request, more than the command itself costs. The busiest routes
# (send, page, unread, mark read) take the request and these plain functions instead
# (principal_of and context_of above are the providers themselves).
def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime




async def _read_models(state: State, min_position: MinPosition = None) -> ReadModels:
    """The query side, caught up to `min_position` first (read-your-writes)."""
    return await state.runtime.reads.caught_up(min_position)


DEPENDENCIES = {
    "runtime": Provide(_runtime, sync_to_thread=False),
    "principal": Provide(principal_of, sync_to_thread=False),
    "context": Provide(context_of, sync_to_thread=False),
    "read_models": Provide(_read_models),
}

# What handlers write to ask for one of them, by name. They are our own objects: validating
# them per request would only cost time (and a Protocol such as ReadModels cannot be checked).
RuntimeDep: TypeAlias = NamedDependency[SkipValidation[Runtime]]
PrincipalDep: TypeAlias = NamedDependency[SkipValidation[Identity]]
ContextDep: TypeAlias = NamedDependency[SkipValidation[CommandContext]]
ReadModelsDep: TypeAlias = NamedDependency[SkipValidation[ReadModels]]
