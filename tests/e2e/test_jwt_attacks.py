"""Every forged, stale or misdirected token is a 401 problem, never a way in."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from tests.e2e.conftest import TEST_SECRET, e2e_settings

PROBLEM = "application/problem+json"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def forged(claims: dict, key=TEST_SECRET, algorithm="HS256", **changes) -> str:
    return jwt.encode({**claims, **changes}, key, algorithm=algorithm)


def unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def assert_refused(client, token: str) -> None:
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 401 and response.json()["detail"]


def test_the_real_token_works(client, ann):
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {ann.access_token}"}).status_code == 200


ATTACKS = {
    "alg none": lambda c: unsigned(c),
    "wrong key": lambda c: forged(c, key="another-secret-that-is-long-enough-too!!"),
    "wrong audience": lambda c: forged(c, aud="someone-else"),
    "wrong issuer": lambda c: forged(c, iss="evil"),
    "expired": lambda c: forged(c, iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600, exp=int(time.time()) - 60),
    "not yet valid": lambda c: forged(c, nbf=int(time.time()) + 3600),
    "unknown session": lambda c: forged(c, sid=str(uuid.uuid4())),
    "someone else's session": lambda c: forged(c, sub=str(uuid.uuid4())),
    "refresh token as access": lambda c: forged(c, typ="refresh"),
    "missing session claim": lambda c: forged({k: v for k, v in c.items() if k != "sid"}),
    "missing expiry": lambda c: forged({k: v for k, v in c.items() if k != "exp"}),
    "garbage session id": lambda c: forged(c, sid="not-a-uuid"),
    "HS512 instead of the pinned HS256": lambda c: forged(c, algorithm="HS512"),
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_attack_is_refused(client, ann, attack):
    assert_refused(client, ATTACKS[attack](claims_of(ann.access_token)))


def test_a_tampered_signature_is_refused(client, ann):
    head, body, signature = ann.access_token.split(".")
    assert_refused(client, f"{head}.{body}.{signature[:-4]}AAAA")


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer not.a.jwt", "Token x"])
def test_malformed_authorization_headers_are_refused(client, header):
    response = client.get("/api/auth/me", headers={"Authorization": header})
    assert response.status_code == 401 and response.headers["content-type"].startswith(PROBLEM)


def test_a_revoked_sessions_access_token_is_refused_before_it_expires(client, ann):
    client.post("/api/auth/logout", json={"refresh_token": ann.refresh_token})
    assert_refused(client, ann.access_token)


def test_an_access_token_cannot_refresh(client, ann):
    response = client.post("/api/auth/refresh", json={"refresh_token": ann.access_token})
    assert response.status_code == 401


def test_a_forged_refresh_token_cannot_refresh(client, ann):
    forged_refresh = forged(claims_of(ann.refresh_token), key="another-secret-that-is-long-enough-too!!")
    assert client.post("/api/auth/refresh", json={"refresh_token": forged_refresh}).status_code == 401


def _pem_pair(private_key, tmp_path):
    private = tmp_path / "private.pem"
    public = tmp_path / "public.pem"
    private.write_bytes(private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public.write_bytes(private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.mark.parametrize("algorithm, key", [
    ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ("EdDSA", ed25519.Ed25519PrivateKey.generate),
])
def test_key_pair_algorithms_sign_and_pin(tmp_path, algorithm, key):
    private, public = _pem_pair(key(), tmp_path)
    settings = e2e_settings(tmp_path, jwt_algorithm=algorithm, jwt_private_key_file=str(private), jwt_public_key_file=str(public))
    with TestClient(create_app(settings)) as client:
        client.post("/api/auth/register", json={"username": "ann", "password": "long enough pw"})
        tokens = client.post("/api/auth/login", json={"username": "ann", "password": "long enough pw"}).json()
        assert jwt.get_unverified_header(tokens["access_token"])["alg"] == algorithm
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
        claims = claims_of(tokens["access_token"])
        # Algorithm confusion: the public key used as an HMAC secret must not verify.
        confused = _hmac_with_public_key(claims, public.read_bytes())
        assert_refused(client, confused)
        assert_refused(client, forged(claims))
        assert_refused(client, unsigned(claims))


def _hmac_with_public_key(claims: dict, public_pem: bytes) -> str:
    import hashlib
    import hmac

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{part(json.dumps(claims).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"
