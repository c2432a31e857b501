"""The keys that sign and verify tokens, from settings; the algorithm is pinned by them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

MIN_SECRET_BYTES = 32
GENERATED_SECRET_FILE = "jwt-secret"
_KEY_TYPES = {"RS256": (RSAPrivateKey, RSAPublicKey), "EdDSA": (Ed25519PrivateKey, Ed25519PublicKey)}


class UnusableKey(ValueError):
    """The configured keys cannot sign with the configured algorithm."""


@dataclass(frozen=True)
class SigningKeys:
    algorithm: str
    signing_key: Any
    verifying_key: Any


def load_keys(algorithm: str, secret: str, private_key_file: str, public_key_file: str, data_dir: str) -> SigningKeys:
    if algorithm == "HS256":
        key = secret or _generated_secret(Path(data_dir))
        if len(key.encode()) < MIN_SECRET_BYTES:
            raise UnusableKey(f"the HS256 secret must be at least {MIN_SECRET_BYTES} bytes")
        return SigningKeys(algorithm, key, key)
    private_type, public_type = _KEY_TYPES[algorithm]
    private = load_pem_private_key(Path(private_key_file).read_bytes(), password=None)
    public = load_pem_public_key(Path(public_key_file).read_bytes())
    if not isinstance(private, private_type) or not isinstance(public, public_type):
        raise UnusableKey(f"{algorithm} needs a {private_type.__name__} and a {public_type.__name__}")
    return SigningKeys(algorithm, private, public)


def _generated_secret(data_dir: Path) -> str:
    """The embedded default: a random secret kept beside the data, so tokens outlive a restart."""
    path = data_dir / GENERATED_SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()  # another worker wrote it first
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
