"""identify(): token → user and session, refusing in the socket contract's words."""

from __future__ import annotations

import asyncio
import time

import pytest

from hubbub.adapters.auth.identify import Identity, identify
from hubbub.adapters.auth.tokens import TokenRejected, Tokens
from hubbub.adapters.bootstrap import start_runtime
from hubbub.application import commands as c
from hubbub.application import signin
from hubbub.application.context import CommandContext
from tests.contract.fakes import PlainHasher
from tests.integration.test_revocations import settings_for


def test_identify_names_the_user_and_session_or_says_why_not(tmp_path):
    async def scenario():
        url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
        runtime = await start_runtime(settings_for(url, tmp_path), PlainHasher(), start_projections=False)
        try:
            account, _ = await runtime.commands.submit(c.Register("ann", "long enough pw"))
            signed = await signin.sign_in(runtime.commands, runtime.tokens, runtime.revocations,
                                          "ann", "long enough pw", None)
            claims = runtime.tokens.read_access(signed.tokens.access_token)
            identity = await identify(runtime, signed.tokens.access_token)
            codes = {}
            codes["garbage"] = await _code(identify(runtime, "not.a.token"))
            old = Tokens(runtime.tokens.keys, runtime.tokens.issuer, runtime.tokens.audience, 60, 60,
                         clock=lambda: time.time() - 3600)
            codes["expired"] = await _code(identify(runtime, old.pair(account.id, claims.session_id, "t").access_token))
            await signin.revoke_session(runtime.commands, runtime.revocations, CommandContext(actor_id=account.id),
                                        claims.session_id)
            codes["revoked"] = await _code(identify(runtime, signed.tokens.access_token))
            return identity, Identity(account.id, claims.session_id), codes
        finally:
            await runtime.close()

    identity, expected, codes = asyncio.run(scenario())
    assert identity == expected
    assert codes == {"garbage": "invalid_token", "expired": "token_expired", "revoked": "session_revoked"}


async def _code(attempt) -> str:
    try:
        await attempt
    except TokenRejected as rejected:
        return rejected.code
    raise AssertionError("identify accepted a token it should refuse")
