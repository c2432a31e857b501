"""What every read store's consumer positions must do, checked the same way on each."""

from __future__ import annotations

import pytest

from hubbub.projections.store import PositionConflict


def check_compare_and_set(positions) -> None:
    assert positions.position("relay") == 0
    positions.commit("relay", 0, 5)
    with pytest.raises(PositionConflict):
        positions.commit("relay", 0, 7)
    positions.commit("relay", 5, 9)
    assert positions.position("relay") == 9
