"""Checkpoints: signed every N events and, once T seconds have passed, at the end of a batch."""

from __future__ import annotations

import pytest

from hubbub.adapters.audit.chain_consumer import CHECKPOINTS, SPECS, ChainConsumer
from hubbub.adapters.audit.signing import Checkpoint, load_checkpoint_key
from hubbub.adapters.readstore.sqlite_store import SQLiteReadStore
from hubbub.application.app import Hubbub
from hubbub.application.context import CommandContext
from hubbub.domain.audit import AuditAccess
from tests.audit_world import feed


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(tmp_path):
    app = Hubbub(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    store = SQLiteReadStore(tmp_path / "rm")
    clock = Clock()
    chain = ChainConsumer(store.open("audit_chain", 1, SPECS, create=True),
                          load_checkpoint_key("", str(tmp_path)), every_events=5, every_seconds=30, clock=clock)
    yield app, chain, clock, lambda: feed(app, [chain])
    store.close()


def append(app: Hubbub, count: int) -> None:
    context = CommandContext.system()
    for n in range(count):
        app.save(AuditAccess.record(context.actor_id, "test", str(n)))


def checkpoints(chain: ChainConsumer) -> list[int]:
    return [c["position"] for c in chain.version.find(CHECKPOINTS, {}, sort=[("seq", 1)])]


def test_every_n_events_and_after_t_seconds(setup):
    app, chain, clock, catch_up = setup
    append(app, 12)
    catch_up()
    assert checkpoints(chain) == [5, 10]  # every 5; the first T has not passed since the first
    append(app, 2)
    clock.now += 29
    catch_up()
    assert checkpoints(chain) == [5, 10]
    append(app, 1)
    clock.now += 1
    catch_up()
    assert checkpoints(chain) == [5, 10, 15]
    clock.now += 60
    catch_up()
    assert checkpoints(chain) == [5, 10, 15]  # the head has not moved: nothing new to sign


def test_a_checkpoint_signs_its_sequence_position_head_and_time(setup, tmp_path):
    app, chain, _, catch_up = setup
    append(app, 5)
    catch_up()
    [stored] = chain.version.find(CHECKPOINTS, {})
    signed = Checkpoint(stored["seq"], stored["position"], bytes.fromhex(stored["head"]), stored["at"])
    key = load_checkpoint_key("", str(tmp_path))
    assert key.signed(signed, bytes.fromhex(stored["signature"]))
    moved = Checkpoint(stored["seq"], stored["position"] + 1, signed.head, signed.at)
    assert not key.signed(moved, bytes.fromhex(stored["signature"]))


def test_a_public_key_verifies_but_cannot_sign(tmp_path):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = load_checkpoint_key("", str(tmp_path))
    public_file = tmp_path / "public.pem"
    public_file.write_bytes(private.public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    public = load_checkpoint_key(str(public_file), str(tmp_path / "elsewhere"))
    checkpoint = Checkpoint(1, 5, bytes(32), "2024-01-01T00:00:00+00:00")
    assert public.key_id == private.key_id and public.signed(checkpoint, private.sign(checkpoint))
    with pytest.raises(PermissionError):
        public.sign(checkpoint)
