"""The settings of the HTTP edge: timeouts, proxies, the rate-limit failure mode, the metrics token."""

from __future__ import annotations

import pytest

from hubbub.adapters.settings import SettingsError, load_settings


def settings(**env: str):
    return load_settings({"HUBBUB_ENV_FILE": "", **{f"HUBBUB_{k}": v for k, v in env.items()}})


def test_defaults():
    loaded = settings()
    assert (loaded.header_timeout_s, loaded.body_timeout_s) == (10.0, 30.0)
    assert loaded.trusted_proxies == [] and loaded.rate_limit_failure == "open" and loaded.metrics_token == ""
    assert (loaded.rate_limit_register, loaded.rate_limit_login, loaded.rate_limit_login_ip,
            loaded.rate_limit_refresh) == ("10/15m", "10/15m", "100/15m", "60/15m")


@pytest.mark.parametrize("name", ["HEADER_TIMEOUT_S", "BODY_TIMEOUT_S"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_timeouts_must_be_positive(name, value):
    with pytest.raises(SettingsError, match=f"HUBBUB_{name}"):
        settings(**{name: value})


def test_the_failure_mode_is_open_or_closed():
    assert settings(RATE_LIMIT_FAILURE="closed").rate_limit_failure == "closed"
    with pytest.raises(SettingsError, match="HUBBUB_RATE_LIMIT_FAILURE"):
        settings(RATE_LIMIT_FAILURE="sometimes")
