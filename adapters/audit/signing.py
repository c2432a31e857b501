"""The Ed25519 key that signs checkpoints: from a file, or generated into the data dir.

The key never goes into the event store or the read store: whoever can rewrite those must not
be able to re-sign what they rewrote.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, PublicFormat, load_pem_private_key, load_pem_public_key,
)

GENERATED_KEY_FILE = "audit-signing-key.pem"
_TAG = b"hubbub-audit-checkpoint-v1\x00"
_NUMBERS = struct.Struct(">QQ")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    position: int
    head: bytes
    at: str

    def message(self) -> bytes:
        return _TAG + _NUMBERS.pack(self.seq, self.position) + self.head + self.at.encode()


class CheckpointKey:
    """Signs with the private key when it has one; verifies with the public key always."""

    def __init__(self, public: Ed25519PublicKey, private: Ed25519PrivateKey | None = None):
        self.public, self.private = public, private
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    def sign(self, checkpoint: Checkpoint) -> bytes:
        if self.private is None:
            raise PermissionError("this key can only verify checkpoints")
        return self.private.sign(checkpoint.message())

    def signed(self, checkpoint: Checkpoint, signature: bytes) -> bool:
        try:
            self.public.verify(signature, checkpoint.message())
        except InvalidSignature:
            return False
        return True


def load_checkpoint_key(key_file: str, data_dir: str) -> CheckpointKey:
    """A PEM Ed25519 private key (signs and verifies) or public key (verifies only); without a
    file, the key generated once into data_dir."""
    path = Path(key_file) if key_file else _generated(Path(data_dir))
    pem = path.read_bytes()
    if b"PUBLIC KEY" in pem:
        public = load_pem_public_key(pem)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        return CheckpointKey(public)
    private = load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return CheckpointKey(private.public_key(), private)


def _generated(data_dir: Path) -> Path:
    path = data_dir / GENERATED_KEY_FILE
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path  # another process wrote it first
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return path
