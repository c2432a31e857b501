"""Tampering with the real SQLite and PostgreSQL event stores: verify names the first bad
position and why, every time; an untouched store verifies clean."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from hubbub.adapters.audit.chain import digest, link
from hubbub.adapters.audit.chain_consumer import CHECKPOINTS, LINKS
from tests.audit_world import audit_world, chat
from tests.backends import event_store_url
from tests.tampering import PostgresTamperer, SQLiteTamperer

EVERY = 10  # a checkpoint every 10 events: at 10, 20, 30, 40


@pytest.fixture(params=["sqlite", "postgres"])
def world(request, tmp_path):
    with event_store_url(request.param, tmp_path) as url:
        world = audit_world(url, tmp_path, audit_checkpoint_every_events=EVERY)
        chat(world.services, messages=40)  # 44 events
        world.caught_up()
        world.tamperer = _tamperer(url, world.services.app.recorder.events_table_name)
        yield world
        world.close()


def _tamperer(url: str, table: str):
    if url.startswith("sqlite:///"):
        return SQLiteTamperer(url[len("sqlite:///"):], table)
    return PostgresTamperer(url.split("?")[0], parse_qs(urlsplit(url).query)["schema"][0], table)


def verify(world):
    return world.audit.verifier.verify()


def test_the_log_is_the_one_every_hubbub_writes(world):
    assert world.services.app.recorder.events_table_name in ("stored_events", "hubbub_events")


def test_an_untouched_store_verifies_clean(world):
    report = verify(world)
    assert report.ok and report.checked == report.head == 44 and report.first_bad_position is None


def test_one_events_bytes_edited(world):
    world.tamperer.edit(20)
    report = verify(world)
    assert (report.ok, report.first_bad_position, report.reason) == (False, 20, "contents changed")
    assert report.checked == 19


def test_a_row_deleted(world):
    world.tamperer.delete(23)
    report = verify(world)
    assert (report.first_bad_position, report.reason) == (23, "event missing")


def test_two_rows_swapped(world):
    world.tamperer.swap(21, 33)
    report = verify(world)
    assert report.first_bad_position == 21
    assert report.reason == "events reordered: this event was linked at position 33"


def test_the_tail_truncated(world):
    world.tamperer.truncate(41)
    report = verify(world)
    assert report.first_bad_position == 41 and report.reason.startswith("event missing")


def test_a_checkpoint_rewritten(world):
    chain = world.audit.verifier.chain
    checkpoint = chain.find_one(CHECKPOINTS, "30")
    forged = {**checkpoint, "head": "00" * 32}
    chain.commit({CHECKPOINTS: {"30": forged}}, chain.position(), chain.position())
    report = verify(world)
    assert report.first_bad_position == 30 and report.reason.startswith("checkpoint forged: the signature")


def test_a_checkpoint_deleted(world):
    chain = world.audit.verifier.chain
    chain.commit({CHECKPOINTS: {"20": None}}, chain.position(), chain.position())
    report = verify(world)
    assert report.first_bad_position == 11 and report.reason == "checkpoint forged: checkpoint 2 is missing"


def test_an_edit_with_the_chain_recomputed_to_match(world):
    """Without the signing key the forger cannot re-sign: the next checkpoint gives them away."""
    world.tamperer.edit(25)
    chain, recorder = world.audit.verifier.chain, world.services.app.recorder
    head = bytes.fromhex(chain.find_one(LINKS, "24")["hash"])
    links = {}
    for record in recorder.select_notifications(start=25, limit=100):
        head = link(head, record.id, digest(record))
        links[str(record.id)] = {"position": record.id, "digest": digest(record).hex(), "hash": head.hex()}
    chain.commit({LINKS: links}, chain.position(), chain.position())
    report = verify(world)
    assert report.first_bad_position == 21
    assert report.reason == "chain forged: the events after position 20 do not give the head signed at position 30"


def test_a_range_is_checked_from_its_stored_link(world):
    world.tamperer.edit(5)
    assert world.audit.verifier.verify(start=11).ok
    assert world.audit.verifier.verify(start=1, stop=9).first_bad_position == 5
