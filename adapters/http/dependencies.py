"""Every dependency a handler can ask for, provided in this one place."""

from __future__ import annotations

from typing import TypeAlias
from uuid import UUID

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from hubbub.adapters.auth.revocations import SessionRevocations
from hubbub.adapters.auth.tokens import Tokens
from hubbub.application.context import CommandContext
from hubbub.application.read_models import ReadModels
from hubbub.application.services import Services
from hubbub.application.threads import in_thread

from .params import MinPosition
from .runtime import Runtime
from .security import Principal


def _runtime(state: State) -> Runtime:
    return state.runtime


def _services(state: State) -> Services:
    return state.runtime.services


def _tokens(state: State) -> Tokens:
    return state.runtime.tokens


def _revocations(state: State) -> SessionRevocations:
    return state.runtime.revocations


def principal_of(request: Request) -> Principal:
    # Only reachable on signed_in_only() routes, where SignedInMiddleware refused every request without one.
    return request.scope["user"]


def context_of(request: Request) -> CommandContext:
    return context_for(request.scope["user"].user_id, request.scope["state"].get("request_id"))


# Litestar resolves two or more dependencies of one handler concurrently, in an anyio task
# group: about 130 µs a request, more than the command itself costs. The busiest routes
# (send, page, unread, mark read) take the request and these plain functions instead
# (principal_of and context_of above are the providers themselves).
def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def context_for(user_id: UUID, request_id: str | None) -> CommandContext:
    """The request id correlates every event a request appends, and is their cause."""
    if request_id is None:
        return CommandContext(actor_id=user_id)
    return CommandContext(actor_id=user_id, correlation_id=request_id, causation_id=request_id)


async def _read_models(state: State, min_position: MinPosition = None) -> ReadModels:
    """The query side, caught up to `min_position` first (read-your-writes)."""
    runtime: Runtime = state.runtime
    if min_position:
        await in_thread(runtime.read_models.wait_for, min_position, runtime.settings.read_wait_timeout_s)
    return runtime.read_models


DEPENDENCIES = {
    "runtime": Provide(_runtime, sync_to_thread=False),
    "services": Provide(_services, sync_to_thread=False),
    "tokens": Provide(_tokens, sync_to_thread=False),
    "revocations": Provide(_revocations, sync_to_thread=False),
    "principal": Provide(principal_of, sync_to_thread=False),
    "context": Provide(context_of, sync_to_thread=False),
    "read_models": Provide(_read_models),
}

# What handlers write to ask for one of them, by name. They are our own objects: validating
# them per request would only cost time (and a Protocol such as ReadModels cannot be checked).
RuntimeDep: TypeAlias = NamedDependency[SkipValidation[Runtime]]
ServicesDep: TypeAlias = NamedDependency[SkipValidation[Services]]
TokensDep: TypeAlias = NamedDependency[SkipValidation[Tokens]]
RevocationsDep: TypeAlias = NamedDependency[SkipValidation[SessionRevocations]]
PrincipalDep: TypeAlias = NamedDependency[SkipValidation[Principal]]
ContextDep: TypeAlias = NamedDependency[SkipValidation[CommandContext]]
ReadModelsDep: TypeAlias = NamedDependency[SkipValidation[ReadModels]]
