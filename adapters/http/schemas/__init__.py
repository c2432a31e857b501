"""Request and response bodies as msgspec structs: a trio per resource (read, create, update)."""
