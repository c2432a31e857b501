"""Revocations reach every subscriber of runtime.revocations, whichever process revoked the session."""

from __future__ import annotations

import asyncio
import time

from hubbub.adapters.auth.revocations import SessionRevocations
from hubbub.adapters.bootstrap import start_runtime
from hubbub.adapters.settings import Settings
from hubbub.application import commands as c
from hubbub.application import signin
from hubbub.application.context import CommandContext
from tests.contract.fakes import PlainHasher

SECRET = "test-secret-long-enough-for-every-hmac-algorithm-0123456789abcdefgh"


def settings_for(url: str, data_dir) -> Settings:
    return Settings(event_store_url=url, data_dir=str(data_dir), jwt_secret=SECRET, projections="off")


def test_another_process_revocation_reaches_every_subscriber(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"

    async def scenario():
        here = await start_runtime(settings_for(url, tmp_path / "here"), PlainHasher(), start_projections=False)
        there = await start_runtime(settings_for(url, tmp_path / "there"), PlainHasher(), start_projections=False)
        try:
            heard_by_gateway, heard_by_audit = [], []
            here.revocations.subscribe(lambda session_id, reason: heard_by_gateway.append((session_id, reason)))
            here.revocations.subscribe(lambda session_id, reason: heard_by_audit.append((session_id, reason)))
            account, _ = await there.commands.submit(c.Register("ann", "long enough pw"))
            signed = await signin.sign_in(there.commands, there.tokens, there.revocations, "ann", "long enough pw", None)
            session_id = there.tokens.read_refresh(signed.tokens.refresh_token).session_id
            await signin.revoke_session(there.commands, there.revocations, CommandContext(actor_id=account.id),
                                        session_id)
            deadline = time.monotonic() + 5
            while not heard_by_audit and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return session_id, heard_by_gateway, heard_by_audit, here.live_sessions.known_revoked(session_id)
        finally:
            await here.close()
            await there.close()

    session_id, gateway, audit, forgotten = asyncio.run(scenario())
    assert gateway == audit == [(session_id, "revoked")]
    assert forgotten  # the HTTP session cache is one more subscriber


def test_a_session_is_announced_once_however_many_times_it_is_reported():
    revocations, heard = SessionRevocations(), []
    revocations.subscribe(lambda session_id, reason: heard.append((session_id, reason)))
    first, second = object(), object()
    revocations.revoked([first], "logout")
    revocations.revoked([first, second], "logout")  # the log watch reports our own revocation again
    assert heard == [(first, "logout"), (second, "logout")]


def test_one_broken_subscriber_does_not_stop_the_others():
    revocations, heard = SessionRevocations(), []

    def broken(_session_id, _reason):
        raise RuntimeError("listener bug")

    revocations.subscribe(broken)
    revocations.subscribe(lambda session_id, reason: heard.append(reason))
    revocations.revoked(["s"], "evicted")
    assert heard == ["evicted"]
