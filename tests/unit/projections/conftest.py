import pytest

from .world import World


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    try:
        yield world
    finally:
        world.close()
