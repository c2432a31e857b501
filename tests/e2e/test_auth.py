"""Register, login, refresh rotation and theft, logout, sessions, me and preferences."""

from __future__ import annotations

import time

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import PASSWORD, People

PROBLEM = "application/problem+json"


def test_register_answers_the_new_user_and_a_position(client, people):
    name = people.name("ann")
    response = client.post("/api/auth/register", json={"username": name, "password": PASSWORD, "display_name": "Ann"})
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == name and body["position"] >= 1 and body["user_id"]
    assert response.headers["Hubbub-Position"] == str(body["position"])


def test_a_taken_username_is_409(people, client):
    ann = people.register("ann")
    response = client.post("/api/auth/register", json={"username": ann.username.upper(), "password": PASSWORD})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("password", ["short", "x" * 7, "x" * 129])
def test_passwords_are_8_to_128_characters(client, people, password):
    response = client.post("/api/auth/register", json={"username": people.name("ann"), "password": password})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["password"]


@pytest.mark.parametrize("password", ["x" * 8, "x" * 128])
def test_password_bounds_are_accepted(client, people, password):
    assert client.post("/api/auth/register", json={"username": people.name("ann"), "password": password}).status_code == 201


def test_login_returns_a_bearer_pair(people, client):
    ann = people.register("ann")
    response = client.post("/api/auth/login", json={"username": ann.username, "password": PASSWORD, "device_name": "phone"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"] and body["position"] >= 1


def test_unknown_user_and_wrong_password_get_the_same_answer(people, client):
    ann = people.register("ann")
    wrong = client.post("/api/auth/login", json={"username": ann.username, "password": "not the password"})
    unknown = client.post("/api/auth/login", json={"username": people.name("nobody"), "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong.json()) == strip(unknown.json())


def test_unknown_user_and_wrong_password_take_about_the_same_time(tmp_path):
    # A real hashing cost, so that a missing hash on one path would show (it would be ~100× faster).
    settings = e2e_settings(tmp_path, password_time_cost=2, password_memory_cost_kib=16_384)
    with TestClient(create_app(settings)) as client:
        client.post("/api/auth/register", json={"username": "ann", "password": PASSWORD})
        wrong, unknown = _login_seconds(client, ["ann", "nobody"] * 7)
    # Interleaved tries, fastest of each: what the path costs, not what the busy machine added.
    assert 0.67 < min(unknown) / min(wrong) < 1.5, (sorted(wrong), sorted(unknown))


def _login_seconds(client, usernames: list[str]) -> tuple[list[float], list[float]]:
    times: dict[str, list[float]] = {name: [] for name in usernames}
    for username in usernames:
        started = time.perf_counter()
        assert client.post("/api/auth/login", json={"username": username, "password": "wrong pw!"}).status_code == 401
        times[username].append(time.perf_counter() - started)
    return times["ann"], times["nobody"]


def test_me_shows_the_caller(people):
    ann = people.signed_in("ann")
    response = ann.get("/api/auth/me")
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == ann.user_id and body["username"] == ann.username and body["roles"] == ["user"]
    assert body["notification_prefs"] == {"digest_window_s": 0, "max_wait_s": 60, "quiet_hours": None, "categories": []}


def test_an_admin_has_the_role(people):
    eve = people.signed_in("eve")
    people.promote(eve)
    assert eve.get("/api/auth/me").json()["roles"] == ["user", "admin"]


def test_refresh_rotates_the_pair_and_the_old_refresh_token_dies(people, client):
    ann = people.signed_in("ann")
    first = client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != ann.refresh_token and pair["token_type"] == "Bearer"
    assert pair["position"] == int(first.headers["Hubbub-Position"]) >= 1
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code == 200


def test_reusing_a_spent_refresh_token_is_401_and_revokes_the_whole_session(people, client):
    ann = people.signed_in("ann")
    rotated = client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token}).json()

    replay = client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token})

    assert replay.status_code == 401 and replay.headers["content-type"].startswith(PROBLEM)
    # Every token of that session family is dead: the thief's and the rightful owner's.
    newest = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert client.get("/api/auth/me", headers=newest).status_code == 401
    assert ann.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401


def test_logout_kills_the_access_token_at_once(people, client):
    ann = people.signed_in("ann")
    assert ann.get("/api/auth/me").status_code == 200
    response = client.post("/api/auth/logout", json={"refresh_token": ann.refresh_token})
    assert response.status_code == 204
    assert int(response.headers["Hubbub-Position"]) >= 1
    assert ann.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token}).status_code == 401


def test_logout_tells_the_revocation_hook(people, client):
    heard = []
    client.app.state.runtime.revocations.subscribe(lambda session_id, reason: heard.append(reason))
    ann = people.signed_in("ann")
    client.post("/api/auth/logout", json={"refresh_token": ann.refresh_token})
    assert heard == ["logout"]


def test_sessions_lists_the_live_ones(people):
    ann = people.register("ann")
    phone = people.login(ann, device="phone")
    people.login(ann, device="laptop")
    sessions = phone.get("/api/auth/sessions").json()
    assert [s["device_name"] for s in sessions] == ["phone", "laptop"]
    assert [s["current"] for s in sessions] == [True, False]
    assert all(s["created_at"] and s["last_used_at"] for s in sessions)


def test_revoking_a_session_kills_its_access_token(people):
    ann = people.register("ann")
    phone, laptop = people.login(ann, "phone"), people.login(ann, "laptop")
    laptop_id = [s for s in phone.get("/api/auth/sessions").json() if s["device_name"] == "laptop"][0]["session_id"]
    assert phone.delete(f"/api/auth/sessions/{laptop_id}").status_code == 204
    assert laptop.get("/api/auth/me").status_code == 401
    assert phone.get("/api/auth/me").status_code == 200


def test_nobody_revokes_someone_elses_session(people):
    ann, bob = people.signed_in("ann"), people.signed_in("bob")
    bob_session = bob.get("/api/auth/sessions").json()[0]["session_id"]
    assert ann.delete(f"/api/auth/sessions/{bob_session}").status_code == 404
    assert bob.get("/api/auth/me").status_code == 200


def test_the_sixth_login_evicts_the_oldest_session(people, client):
    evicted = []
    client.app.state.runtime.revocations.subscribe(lambda session_id, reason: evicted.append(reason))
    ann = people.register("ann")
    logins = [people.login(ann, device=f"device-{n}") for n in range(6)]
    assert logins[0].get("/api/auth/me").status_code == 401
    assert all(login.get("/api/auth/me").status_code == 200 for login in logins[1:])
    assert len(logins[5].get("/api/auth/sessions").json()) == 5
    assert evicted == ["evicted"]


def test_notification_preferences_change_and_show_in_me(people):
    ann = people.signed_in("ann")
    quiet = {"start": "22:00", "end": "07:00", "tz": "Europe/Paris"}
    response = ann.patch("/api/auth/me/notifications",
                         json={"digest_window_s": 300, "max_wait_s": 120, "quiet_hours": quiet, "categories": ["news"]})
    assert response.status_code == 200
    assert response.json() == {"digest_window_s": 300, "max_wait_s": 120, "quiet_hours": quiet, "categories": ["news"],
                               "position": response.json()["position"]}
    cleared = ann.patch("/api/auth/me/notifications", json={"quiet_hours": None}).json()
    assert cleared["quiet_hours"] is None and cleared["digest_window_s"] == 300
    assert ann.get("/api/auth/me").json()["notification_prefs"]["categories"] == ["news"]


@pytest.mark.parametrize("change, field", [
    ({"digest_window_s": -1}, "digest_window_s"),
    ({"max_wait_s": 86_401}, "max_wait_s"),
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "22:00", "end": "07:00", "tz": "Mars/Olympus"}}, "quiet_hours.tz"),
    ({"categories": ["Not Valid"]}, "categories[0]"),
])
def test_bad_preferences_are_422_naming_the_field(people, change, field):
    response = people.signed_in("ann").patch("/api/auth/me/notifications", json=change)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_revocation_in_another_process_refuses_the_token_within_the_watch_poll(tmp_path):
    """Two apps on one SQLite store stand for two worker processes: the session check each
    remembers is forgotten when the log shows the other revoked it."""
    store = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    settings = e2e_settings(tmp_path, event_store_url=store, session_check_ttl_s=60.0)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        ann = People(first).signed_in("ann")
        assert ann.get("/api/auth/me").status_code == 200  # first now remembers the session live
        assert second.post("/api/auth/logout", json={"refresh_token": ann.refresh_token}).status_code == 204
        deadline = time.monotonic() + 2.0
        while ann.get("/api/auth/me").status_code == 200:
            assert time.monotonic() < deadline, "the other process's revocation never reached this one"
            time.sleep(0.02)
        assert ann.get("/api/auth/me").status_code == 401


def test_with_no_session_cache_every_request_reads_the_store(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    settings = e2e_settings(tmp_path, event_store_url=store, session_check_ttl_s=0)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        ann = People(first).signed_in("ann")
        assert ann.get("/api/auth/me").status_code == 200
        first.app.state.runtime.revocation_watch.stop()  # only the store can tell now
        assert second.post("/api/auth/logout", json={"refresh_token": ann.refresh_token}).status_code == 204
        assert ann.get("/api/auth/me").status_code == 401
