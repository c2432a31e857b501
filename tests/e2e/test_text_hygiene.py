"""Text people see: NFC, no control characters (bodies keep newlines and tabs), no bidirectional
controls in names; keys not blank; a reaction is one emoji or a :shortcode:."""

from __future__ import annotations

import pytest

from tests.e2e.people import PASSWORD

CONTROLS = ["\x00", "\x07", "\x1b[31m", "\x7f", "\u0085", "\u2028"]
BIDI = ["\u202e", "\u202a", "\u2066", "\u2069"]
BROADCAST = {"category": "news", "title": "Notice", "body": "Read me", "priority": "transactional"}


@pytest.fixture
def room(ann):
    return ann.post("/api/rooms", json={"kind": "group", "name": "hygiene"}).json()["room_id"]


@pytest.fixture
def message(ann, room):
    return ann.post(f"/api/rooms/{room}/messages", json={"body": "react to me"}).json()["message_id"]


@pytest.fixture
def admin(people):
    caller = people.signed_in("admin")
    people.promote(caller)
    return caller


def field_of(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


def seen_text_routes(people, ann, admin, room):
    """(field, send(text) -> response) for every text that people see."""
    return {
        "display_name": lambda text: people.client.post("/api/auth/register", json={
            "username": people.name(f"u{len(text)}{ord(text[0])}"), "password": PASSWORD, "display_name": f"Ann{text}"}),
        "name": lambda text: ann.post("/api/rooms", json={"kind": "group", "name": f"room{text}"}),
        "topic": lambda text: ann.post("/api/rooms", json={"kind": "group", "name": "ok", "topic": f"t{text}"}),
        "device_name": lambda text: people.client.post("/api/auth/login", json={
            "username": ann.username, "password": PASSWORD, "device_name": f"phone{text}"}),
        "body": lambda text: ann.post(f"/api/rooms/{room}/messages", json={"body": f"hi{text}"}),
        "title": lambda text: admin.post("/api/notifications/broadcast", json={**BROADCAST, "title": f"T{text}"}),
        "broadcast body": lambda text: admin.post("/api/notifications/broadcast", json={**BROADCAST, "body": f"B{text}"}),
    }


@pytest.mark.parametrize("control", CONTROLS)
def test_every_seen_text_refuses_control_characters(people, ann, admin, room, control):
    for field, send in seen_text_routes(people, ann, admin, room).items():
        assert field_of(send(control)) == [field.split()[-1]], field


@pytest.mark.parametrize("bidi", BIDI)
def test_names_refuse_bidirectional_controls_and_bodies_keep_them(people, ann, admin, room, bidi):
    routes = seen_text_routes(people, ann, admin, room)
    for field in ("display_name", "name", "device_name"):
        assert field_of(routes[field](bidi)) == [field], field
    assert routes["body"](f"{bidi}quoted{bidi}").status_code == 201


def test_message_bodies_keep_newlines_and_tabs_and_names_do_not(people, ann, admin, room):
    sent = ann.post(f"/api/rooms/{room}/messages", json={"body": "line one\r\n\tline two\rthree"})
    assert sent.status_code == 201 and sent.json()["body"] == "line one\n\tline two\nthree"
    routes = seen_text_routes(people, ann, admin, room)
    for field in ("display_name", "name", "topic", "title"):
        assert field_of(routes[field]("\nsecond line")) == [field], field
    assert routes["broadcast body"]("\n\tindented").status_code == 202


def test_text_is_normalised_to_nfc(people, ann, room):
    decomposed = "Cafe\u0301"  # e + combining acute
    sent = ann.post(f"/api/rooms/{room}/messages", json={"body": decomposed})
    assert sent.json()["body"] == "Caf\u00e9"
    created = ann.post("/api/rooms", json={"kind": "group", "name": decomposed})
    assert created.json()["name"] == "Caf\u00e9"


@pytest.mark.parametrize("blank", [" ", "   ", "\t", "\u3000"])
def test_client_msg_id_and_idempotency_key_must_not_be_blank(ann, room, blank):
    by_body = ann.post(f"/api/rooms/{room}/messages", json={"body": "hi", "client_msg_id": blank})
    assert field_of(by_body) == ["client_msg_id"]
    by_header = ann.post(f"/api/rooms/{room}/messages", json={"body": "hi"},
                         headers={"Idempotency-Key": blank.encode()})  # HTTP trims it: an empty header
    assert field_of(by_header) == ["Idempotency-Key"]


EMOJI = [":" + "a" * 32 + ":", "👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇫🇷", "#️⃣", "❤️", ":thumbsup:", ":+1:", ":white_check_mark:",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]
NOT_EMOJI = ["<script>alert(1)</script>", "<script>", "👍👍", "🇫🇷🇩🇪", "a b", " ", "\x00", "👍\x00", "\u200d", "\u202e👍",
             ":Thumbsup:", "::", ":a b:", ":" + "a" * 33 + ":", "thumbsup", "\ufe0f"]


@pytest.mark.parametrize("emoji", EMOJI)
def test_a_reaction_is_one_emoji_or_a_shortcode(ann, room, message, emoji):
    reacted = ann.post(f"/api/rooms/{room}/messages/{message}/reactions", json={"emoji": emoji})
    assert reacted.status_code == 200, reacted.text
    assert emoji in reacted.json()["reactions"]


@pytest.mark.parametrize("emoji", NOT_EMOJI)
def test_anything_else_is_refused_as_a_reaction(ann, room, message, emoji):
    refused = ann.post(f"/api/rooms/{room}/messages/{message}/reactions", json={"emoji": emoji})
    assert field_of(refused) == ["emoji"]
