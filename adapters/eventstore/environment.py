"""The eventsourcing environment for hubbub's application, from settings."""

from __future__ import annotations

from hubbub.adapters.settings import Settings

from .url import persistence_env

TRANSCODER_TOPIC = "hubbub.adapters.eventstore.metadata:MetadataTranscoder"
ZLIB_TOPIC = "eventsourcing.compressor:ZlibCompressor"
# The cryptography-based AES-GCM cipher: same key and format, ~7x faster to decrypt
# than the pycryptodome one, which matters when replaying the whole log.
AES_TOPIC = "eventsourcing.cryptography:AESCipher"


def application_env(settings: Settings) -> dict[str, str]:
    env = persistence_env(settings.resolved_event_store_url)
    env["TRANSCODER_TOPIC"] = TRANSCODER_TOPIC
    env["SQLITE_POLL_INTERVAL"] = str(settings.sqlite_poll_interval_s)
    env["MONGODB_TIMEOUT"] = str(settings.mongodb_timeout_s)
    if settings.compress_events:
        env["COMPRESSOR_TOPIC"] = ZLIB_TOPIC
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = AES_TOPIC
        env["CIPHER_KEY"] = settings.cipher_key
    return env
