"""The root of every rule the domain refuses to break.

Each aggregate module names its own errors (at its bottom); they all derive from DomainError
so adapters can translate any of them without knowing the aggregate.
"""


class DomainError(Exception):
    """A command broke a rule of the domain; nothing was changed."""


class InvalidInput(DomainError):
    """A value is outside what the domain accepts (length, charset, format)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does."""


class Forbidden(DomainError):
    """The actor may see the thing but may not do this to it."""


class Conflict(DomainError):
    """The command contradicts the current state (taken name, deleted message)."""
