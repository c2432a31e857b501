import os

# Tests never read a developer's .env or data directory by accident.
os.environ.setdefault("HUBBUB_ENV_FILE", "")
