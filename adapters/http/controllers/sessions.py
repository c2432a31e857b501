"""/api/auth/sessions: the caller's live sessions (at most 5), and revoking one."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.application import signin

from ..dependencies import ContextDep, PrincipalDep, RuntimeDep
from ..openapi import SIGNED_IN, no_content, problems
from ..presenters import session_out
from ..responses import command_response
from ..schemas.auth import SessionOut
from ..security import signed_in_only


class SessionsController(Controller):
    path = "/api/auth/sessions"
    tags = ["auth"]
    opt = signed_in_only()
    security = SIGNED_IN

    @get("/", responses=problems())
    async def list_sessions(self, principal: PrincipalDep, runtime: RuntimeDep) -> list[SessionOut]:
        sessions = await runtime.executors.in_thread(runtime.services.accounts.live_sessions, principal.user_id)
        return [session_out(s, principal.session_id) for s in sessions]

    @delete("/{session_id:uuid}", status_code=HTTP_204_NO_CONTENT, responses=no_content(404))
    async def revoke_session(self, session_id: FromPath[UUID], context: ContextDep, runtime: RuntimeDep) -> Response[None]:
        """Revoke one of the caller's sessions (404 for anyone else's)."""
        position = await signin.revoke_session(runtime.commands, runtime.revocations, context, session_id)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)
