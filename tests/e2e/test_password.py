"""POST /api/auth/password: the current password is checked, the new one must differ, and every
other session of the account is revoked at once."""

from __future__ import annotations

from tests.e2e.people import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def change(caller, current=PASSWORD, new=NEW_PASSWORD):
    return caller.post("/api/auth/password", json={"current_password": current, "new_password": new})


def test_a_password_change_revokes_every_other_session_and_keeps_this_one(people):
    ann = people.register("ann")
    phone, laptop = people.login(ann, "phone"), people.login(ann, "laptop")
    assert change(laptop).status_code == 204
    assert phone.get("/api/auth/me").status_code == 401
    assert phone.post("/api/auth/refresh", json={"refresh_token": phone.refresh_token}).status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200
    sessions = laptop.get("/api/auth/sessions").json()
    assert [s["current"] for s in sessions] == [True]


def test_the_new_password_opens_sessions_and_the_old_one_no_longer_does(people, client):
    ann = people.signed_in("ann")
    assert change(ann).status_code == 204
    old = client.post("/api/auth/login", json={"username": ann.username, "password": PASSWORD})
    new = client.post("/api/auth/login", json={"username": ann.username, "password": NEW_PASSWORD})
    assert (old.status_code, new.status_code) == (401, 200)


def test_a_wrong_current_password_changes_nothing(people, client):
    ann = people.signed_in("ann")
    response = change(ann, current="not my password")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/invalid-credentials"
    assert client.post("/api/auth/login", json={"username": ann.username, "password": PASSWORD}).status_code == 200


def test_the_new_password_must_differ_and_be_long_enough(people):
    ann = people.signed_in("ann")
    same = change(ann, new=PASSWORD)
    assert same.status_code == 422
    assert same.json()["errors"][0]["field"] == "new_password"
    short = change(ann, new="short")
    assert short.status_code == 422


def test_anonymous_callers_cannot_change_a_password(people):
    assert change(people.anonymous()).status_code == 401
