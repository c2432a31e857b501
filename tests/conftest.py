import os
import sys
from importlib.abc import MetaPathFinder

# Tests never read a developer's .env or data directory by accident.
os.environ.setdefault("HUBBUB_ENV_FILE", "")


class _InstalledNamesOnly(MetaPathFinder):
    """The top-level folders install as `hubbub.*`. Pytest puts the repository root on sys.path,
    where they would also import under their bare names, as a second copy of every class: a test
    would then pass where an installed hubbub fails (old event topics, say)."""

    FOLDERS = frozenset({"domain", "application", "projections", "adapters"})

    def find_spec(self, name, path, target=None):
        if path is None and name.partition(".")[0] in self.FOLDERS:
            raise ModuleNotFoundError(f"No module named {name!r} (it installs as hubbub.{name})", name=name)
        return None


sys.meta_path.insert(0, _InstalledNamesOnly())
