"""`hubbub audit events|show|verify|export` against an embedded store on disk."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hubbub.adapters.cli import main
from tests.audit_world import audit_world, chat
from tests.tampering import SQLiteTamperer


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    world = audit_world(url, tmp_path)
    facts = chat(world.services, messages=4)
    world.close()
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUBBUB_EVENT_STORE_URL", url)
    monkeypatch.setenv("HUBBUB_ENV_FILE", "")
    return {"path": str(tmp_path / "events.sqlite3"), **facts}


def run(*args: str):
    result = CliRunner().invoke(main, ["audit", *args])
    return result


def test_events_filtered_and_as_json(store):
    page = run("events", "--actor", str(store["ann"]), "--type", "Message.Sent", "--json", "--limit", "2")
    assert page.exit_code == 0, page.output
    answer = json.loads(page.stdout)
    assert [i["data"]["body"] for i in answer["items"]] == ["message 3", "message 2"]
    table = run("events", "--aggregate", str(store["room"]))
    assert table.exit_code == 0 and "Room.Created" in table.stdout


def test_show_a_version_and_refuse_one_beyond_the_last(store):
    message = store["sent"][0].message.id
    first = run("show", str(message), "--version", "1")
    assert first.exit_code == 0 and json.loads(first.stdout)["state"]["body"] == "message 0"
    beyond = run("show", str(message), "--version", "9")
    assert beyond.exit_code == 1 and "beyond" in beyond.output


def test_export_resumes_after_a_position(store, tmp_path):
    out = tmp_path / "log.ndjson"
    assert run("export", "--after-position", "3", "-o", str(out)).exit_code == 0
    positions = [json.loads(line)["position"] for line in out.read_text().splitlines()]
    assert positions[0] == 4 and positions == sorted(positions)


def test_verify_clean_then_names_the_edited_position(store):
    clean = run("verify")
    assert clean.exit_code == 0 and "ok" in clean.output
    SQLiteTamperer(store["path"], "stored_events").edit(5)
    broken = run("verify")
    assert broken.exit_code == 1 and "position 5: contents changed" in broken.output


def test_each_reading_is_recorded_with_the_operator(store):
    run("events", "--limit", "1")
    page = json.loads(run("events", "--type", "AuditAccess.Recorded", "--json").stdout)
    assert page["items"] and page["items"][-1]["causation_id"].startswith("cli:")


def test_erase_destroys_the_key_and_is_recorded(store):
    erased = run("erase", str(store["ann"]), "--reason", "asked by letter", "--yes")
    assert erased.exit_code == 0, erased.output
    shown = run("show", str(store["sent"][1].message.id))
    assert json.loads(shown.stdout)["state"]["body"] == "[erased]"
    page = json.loads(run("events", "--type", "Erasure.Requested", "--json").stdout)
    assert page["items"][0]["data"]["reason"] == "asked by letter"
    unknown = run("erase", "00000000-0000-4000-8000-000000000001", "--reason", "x", "--yes")
    assert unknown.exit_code == 1 and "no user" in unknown.output
