"""/api/auth: register, login, refresh, logout, me and notification preferences."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from litestar.params import JSONBody

from hubbub.adapters.auth.tokens import TokenPair
from hubbub.application.errors import RefreshTokenReused
from hubbub.application.threads import in_thread

from .. import signin
from ..dependencies import ContextDep, PrincipalDep, RevocationsDep, ServicesDep, TokensDep
from ..openapi import SIGNED_IN, no_content, problems
from ..presenters import me_out, prefs_changed_out
from ..ratelimit import tier
from ..responses import command_response
from ..schemas.auth import (
    Credentials, Me, NotificationPrefsChanged, NotificationPrefsUpdate, Registered, Registration, RefreshRequest,
    TokenPairOut,
)
from ..security import signed_in_only


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/register", opt=tier("register"), responses=problems(409))
    async def register(self, data: JSONBody[Registration], services: ServicesDep) -> Response[Registered]:
        """Create an account; 409 when the username is taken."""
        account, position = await in_thread(
            services.accounts.register, data.username, data.password, data.display_name
        )
        return command_response(Registered(account.id, account.username, position), position, status_code=201)

    @post("/login", opt=tier("login"), status_code=200, responses=problems())
    async def login(
        self, data: JSONBody[Credentials], services: ServicesDep, tokens: TokensDep, revocations: RevocationsDep,
    ) -> Response[TokenPairOut]:
        """Open a session; the same 401 for an unknown user and a wrong password."""
        signed = await in_thread(signin.sign_in, services, tokens, data.username, data.password, data.device_name)
        revocations.revoked(signed.evicted, "evicted")
        return command_response(_pair_out(signed.tokens, signed.position), signed.position)

    @post("/refresh", opt=tier("refresh"), status_code=200, responses=problems())
    async def refresh(
        self, data: JSONBody[RefreshRequest], services: ServicesDep, tokens: TokensDep, revocations: RevocationsDep,
    ) -> Response[TokenPairOut]:
        """Spend a refresh token for a new pair; a spent token again revokes its whole session."""
        try:
            pair, position = await in_thread(signin.refresh, services, tokens, data.refresh_token)
        except RefreshTokenReused:
            revocations.revoked([tokens.read_refresh(data.refresh_token).session_id], "refresh-token-reuse")
            raise
        return command_response(_pair_out(pair, position), position)

    @post("/logout", opt=tier("refresh"), status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def logout(
        self, request: Request, data: JSONBody[RefreshRequest], services: ServicesDep, tokens: TokensDep,
        revocations: RevocationsDep,
    ) -> Response[None]:
        """Revoke the refresh token's session; its access tokens stop working at once."""
        request_id = request.scope["state"].get("request_id")
        session_id, position = await in_thread(signin.sign_out, services, tokens, data.refresh_token, request_id)
        revocations.revoked([session_id], "logout")
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @get("/me", opt=signed_in_only(), security=SIGNED_IN, responses=problems())
    async def me(self, principal: PrincipalDep, services: ServicesDep) -> Me:
        return me_out(await in_thread(services.accounts.get, principal.user_id))

    @patch("/me/notifications", opt=signed_in_only(), security=SIGNED_IN, responses=problems())
    async def update_notification_prefs(
        self, data: JSONBody[NotificationPrefsUpdate], context: ContextDep, services: ServicesDep,
    ) -> Response[NotificationPrefsChanged]:
        prefs, position = await in_thread(services.accounts.update_notification_prefs, context, **_changes(data))
        return command_response(prefs_changed_out(prefs, position), position)


def _pair_out(pair: TokenPair, position: int | None) -> TokenPairOut:
    return TokenPairOut(pair.access_token, pair.refresh_token, "Bearer", pair.expires_in, position=position)


def _changes(update: NotificationPrefsUpdate) -> dict:
    changes = {name: getattr(update, name) for name in ("digest_window_s", "categories")}
    changes = {name: value for name, value in changes.items() if value is not msgspec.UNSET}
    if update.quiet_hours is None:
        changes["clear_quiet_hours"] = True
    elif update.quiet_hours is not msgspec.UNSET:
        changes["quiet_hours"] = msgspec.structs.asdict(update.quiet_hours)
    return changes
