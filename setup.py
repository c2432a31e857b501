"""The four top-level folders install as one package, `hubbub`, so that they cannot collide with
another distribution's top-level `domain` or `adapters`. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

FOLDERS = ("domain", "application", "projections", "adapters")

setup(
    packages=[f"hubbub.{name}" for name in find_packages(include=[f"{folder}*" for folder in FOLDERS])],
    package_dir={f"hubbub.{folder}": folder for folder in FOLDERS},
    package_data={"hubbub.adapters": ["eventstore/*.md"]},
)
