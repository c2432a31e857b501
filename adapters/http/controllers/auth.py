"""/api/auth: register, login, refresh, logout, password, me and notification preferences."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.adapters.auth.tokens import TokenPair
from hubbub.application import commands as c
from hubbub.application import signin

from ..dependencies import ContextDep, PrincipalDep, RuntimeDep
from ..openapi import SIGNED_IN, no_content, problems
from ..presenters import me_out, prefs_changed_out
from ..ratelimit import tier
from ..responses import command_response
from ..schemas.auth import (
    Credentials, Me, NotificationPrefsChanged, NotificationPrefsUpdate, PasswordChange, Registered, Registration,
    RefreshRequest, TokenPairOut,
)
from ..security import signed_in_only


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/register", opt=tier("register"), responses=problems(409))
    async def register(self, data: JSONBody[Registration], runtime: RuntimeDep) -> Response[Registered]:
        """Create an account; 409 when the username is taken."""
        account, position = await runtime.commands.submit(c.Register(data.username, data.password, data.display_name))
        return command_response(Registered(account.id, account.username, position), position, status_code=201)

    @post("/login", opt=tier("login"), status_code=200, responses=problems())
    async def login(self, data: JSONBody[Credentials], runtime: RuntimeDep) -> Response[TokenPairOut]:
        """Open a session; the same 401 for an unknown user and a wrong password."""
        signed = await signin.sign_in(runtime.commands, runtime.tokens, runtime.revocations,
                                      data.username, data.password, data.device_name)
        return command_response(_pair_out(signed.tokens, signed.position), signed.position)

    @post("/refresh", opt=tier("refresh"), status_code=200, responses=problems())
    async def refresh(self, data: JSONBody[RefreshRequest], runtime: RuntimeDep) -> Response[TokenPairOut]:
        """Spend a refresh token for a new pair; a spent token again revokes its whole session."""
        pair, position = await signin.refresh(runtime.commands, runtime.tokens, runtime.revocations, data.refresh_token)
        return command_response(_pair_out(pair, position), position)

    @post("/logout", opt=tier("refresh"), status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def logout(self, request: Request, data: JSONBody[RefreshRequest], runtime: RuntimeDep) -> Response[None]:
        """Revoke the refresh token's session; its access tokens stop working at once."""
        request_id = request.scope["state"].get("request_id")
        position = await signin.sign_out(runtime.commands, runtime.tokens, runtime.revocations,
                                         data.refresh_token, request_id)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @post("/password", opt={**tier("password"), **signed_in_only()}, security=SIGNED_IN,
          status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def change_password(
        self, data: JSONBody[PasswordChange], principal: PrincipalDep, context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        """Needs the current password; every other session of the account is revoked."""
        command = c.ChangePassword(data.current_password, data.new_password, principal.session_id)
        position = await signin.change_password(runtime.commands, runtime.revocations, context, command)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @get("/me", opt=signed_in_only(), security=SIGNED_IN, responses=problems())
    async def me(self, principal: PrincipalDep, runtime: RuntimeDep) -> Me:
        return me_out(await runtime.executors.in_thread(runtime.services.accounts.get, principal.user_id))

    @patch("/me/notifications", opt=signed_in_only(), security=SIGNED_IN, responses=problems())
    async def update_notification_prefs(
        self, data: JSONBody[NotificationPrefsUpdate], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[NotificationPrefsChanged]:
        prefs, position = await runtime.commands.submit(c.UpdateNotificationPrefs(_changes(data)), context)
        return command_response(prefs_changed_out(prefs, position), position)


def _pair_out(pair: TokenPair, position: int | None) -> TokenPairOut:
    return TokenPairOut(pair.access_token, pair.refresh_token, "Bearer", pair.expires_in, position=position)


def _changes(update: NotificationPrefsUpdate) -> dict:
    changes = {name: getattr(update, name) for name in ("digest_window_s", "max_wait_s", "categories")}
    changes = {name: value for name, value in changes.items() if value is not msgspec.UNSET}
    if update.quiet_hours is None:
        changes["clear_quiet_hours"] = True
    elif update.quiet_hours is not msgspec.UNSET:
        changes["quiet_hours"] = msgspec.structs.asdict(update.quiet_hours)
    return changes
