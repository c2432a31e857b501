"""Fakes that pass through the same doors as the real adapters."""


class PlainHasher:
    """Reversible on purpose: argon2's cost has no place in tests of other behaviour."""

    def hash(self, password: str) -> str:
        return f"plain${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain${password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False
