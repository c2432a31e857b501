"""What rate limits count by: the client address (the peer, unless it is a proxy listed in
settings) and, per tier, the username, session or user the contract names."""

from __future__ import annotations

import pytest

from hubbub.adapters.http.security import client_ip
from hubbub.adapters.settings import SettingsError, load_settings


def scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 5000), "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded]}


def test_x_forwarded_for_is_ignored_by_default():
    assert client_ip(scope("203.0.113.9", "198.51.100.1"), []) == "203.0.113.9"


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_not_a_listed_proxy():
    assert client_ip(scope("127.0.0.1", "198.51.100.1"), ["10.0.0.0/8"]) == "127.0.0.1"


def test_a_listed_proxy_is_believed_and_the_nearest_untrusted_hop_is_the_client():
    proxies = ["10.0.0.0/8", "192.0.2.7"]
    assert client_ip(scope("10.1.2.3", "198.51.100.1"), proxies) == "198.51.100.1"
    # What the client wrote itself comes first; each proxy appends the peer it saw.
    assert client_ip(scope("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.7"), proxies) == "198.51.100.1"
    assert client_ip(scope("10.1.2.3", "6.6.6.6", "198.51.100.1"), proxies) == "198.51.100.1"


def test_a_listed_proxy_without_or_with_a_garbled_header_counts_as_the_client():
    assert client_ip(scope("10.1.2.3"), ["10.0.0.0/8"]) == "10.1.2.3"
    assert client_ip(scope("10.1.2.3", "not-an-address"), ["10.0.0.0/8"]) == "10.1.2.3"


def test_ipv6_proxies_and_clients():
    assert client_ip(scope("::1", "2001:db8::5"), ["::1"]) == "2001:db8::5"


def test_an_ipv4_proxy_seen_through_a_dual_stack_socket_is_still_listed():
    assert client_ip(scope("::ffff:10.1.2.3", "198.51.100.1"), ["10.0.0.0/8"]) == "198.51.100.1"


def test_trusted_proxies_are_a_comma_separated_setting_checked_at_start():
    settings = load_settings({"HUBBUB_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7", "HUBBUB_ENV_FILE": ""})
    assert settings.trusted_proxies == ["10.0.0.0/8", "192.0.2.7"]
    assert load_settings({"HUBBUB_ENV_FILE": ""}).trusted_proxies == []
    with pytest.raises(SettingsError, match="HUBBUB_TRUSTED_PROXIES"):
        load_settings({"HUBBUB_TRUSTED_PROXIES": "office", "HUBBUB_ENV_FILE": ""})


class _Runtime:
    class settings:  # noqa: N801 - stands in for Settings
        trusted_proxies: list[str] = []

    class tokens:  # noqa: N801
        @staticmethod
        def read_refresh(token):
            from hubbub.adapters.auth.tokens import TokenRejected

            if token != "good":
                raise TokenRejected("bad")
            return type("Claims", (), {"session_id": "s-1"})()


def request_scope(body: bytes, user=None) -> dict:
    from litestar.utils.scope.state import ScopeState

    scope = {**scope_of("198.51.100.4"), "user": user, "state": {}}
    ScopeState.from_scope(scope).body = body
    return scope


def scope_of(peer: str) -> dict:
    return {"client": (peer, 5000), "headers": []}


@pytest.mark.parametrize("tier, body, user, expected", [
    ("register", b'{"username": "x"}', "u-1", [("register", "ip:198.51.100.4")]),
    ("login", b'{"username": " Ann "}', "u-1", [("login", "name:ann"), ("login_ip", "ip:198.51.100.4")]),
    ("login", b"[1]", None, [("login_ip", "ip:198.51.100.4")]),
    ("refresh", b'{"refresh_token": "good"}', "u-1", [("refresh", "session:s-1")]),
    ("refresh", b'{"refresh_token": "forged"}', None, [("refresh", "ip:198.51.100.4")]),
    ("password", b"{}", "u-1", [("login", "user:u-1"), ("login_ip", "ip:198.51.100.4")]),
    ("other", b"", "u-1", [("other", "user:u-1")]),
    ("other", b"", None, [("other", "ip:198.51.100.4")]),
])
def test_each_tier_counts_what_the_contract_says(tier, body, user, expected):
    from hubbub.adapters.http.ratelimit import counted

    principal = type("Principal", (), {"user_id": user})() if user else None
    assert counted(tier, request_scope(body, principal), _Runtime) == expected
