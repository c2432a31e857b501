"""LiveSessions: remembered live verdicts, forgotten at revocation; the verified-token cache."""

from __future__ import annotations

from uuid import uuid4

import pytest

from hubbub.adapters.auth import tokens as tokens_module
from hubbub.adapters.auth.keys import load_keys
from hubbub.adapters.auth.live_sessions import LiveSessions
from hubbub.adapters.auth.tokens import TokenRejected, Tokens


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_remembered_session_is_known_live_for_its_owner_only(clock):
    live, session, owner = LiveSessions(5.0, clock), uuid4(), uuid4()
    assert not live.known_live(session, owner)
    live.remember(session, owner)
    assert live.known_live(session, owner)
    assert not live.known_live(session, uuid4())


def test_a_verdict_expires_after_the_ttl(clock):
    live, session, owner = LiveSessions(5.0, clock), uuid4(), uuid4()
    live.remember(session, owner)
    clock.now += 4.9
    assert live.known_live(session, owner)
    clock.now += 0.2
    assert not live.known_live(session, owner)


def test_revocation_forgets_at_once_and_for_good(clock):
    live, session, owner = LiveSessions(5.0, clock), uuid4(), uuid4()
    live.remember(session, owner)
    live.revoked(session)
    assert not live.known_live(session, owner) and live.known_revoked(session)
    live.remember(session, owner)  # a store read that began before the revocation landed
    assert not live.known_live(session, owner)


def test_ttl_zero_checks_every_request(clock):
    live, session, owner = LiveSessions(0.0, clock), uuid4(), uuid4()
    live.remember(session, owner)
    assert not live.known_live(session, owner)


def test_memory_is_bounded(clock, monkeypatch):
    from hubbub.adapters.auth import live_sessions

    monkeypatch.setattr(live_sessions, "MAX_LIVE", 3)
    monkeypatch.setattr(live_sessions, "MAX_REVOKED", 2)
    live = LiveSessions(5.0, clock)
    sessions = [uuid4() for _ in range(5)]
    owner = uuid4()
    for s in sessions:
        live.remember(s, owner)
        live.revoked(uuid4())
    assert len(live._live) == 3 and len(live._revoked) == 2
    assert live.known_live(sessions[-1], owner) and not live.known_live(sessions[0], owner)


@pytest.fixture
def tokens(tmp_path):
    keys = load_keys("HS256", "x" * 40, "", "", str(tmp_path))
    return Tokens(keys, "hubbub", "hubbub-api", access_ttl_s=60, refresh_ttl_s=600)


def test_a_verified_token_is_read_again_without_decoding(tokens, monkeypatch):
    user, session = uuid4(), uuid4()
    access = tokens.pair(user, session, "t1").access_token
    first = tokens.read_access(access)
    monkeypatch.setattr(tokens, "_decode", lambda *a: pytest.fail("decoded twice"))
    assert tokens.read_access(access) == first
    assert (first.user_id, first.session_id) == (user, session)


def test_a_cached_token_still_expires(tokens, monkeypatch):
    access = tokens.pair(uuid4(), uuid4(), "t1").access_token
    tokens.read_access(access)
    real = tokens_module.time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real() + 61)
    with pytest.raises(TokenRejected, match="expired"):
        tokens.read_access(access)
    assert access not in tokens._verified  # from now on pyjwt decides, against its own clock


def test_a_tampered_copy_of_a_cached_token_is_verified_and_refused(tokens):
    access = tokens.pair(uuid4(), uuid4(), "t1").access_token
    tokens.read_access(access)
    head, payload, signature = access.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(TokenRejected):
        tokens.read_access(forged)
