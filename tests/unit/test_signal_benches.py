"""bench/signals.py keeps measuring what it says, and its figures meet their targets."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import signals as bench  # noqa: E402


async def test_typing_receipts_and_digests_meet_their_targets():
    assert await bench.typing(sessions=2) == (100, 2)
    marks, written, exact = await bench.receipts()
    assert 1 - written / marks >= 0.9 and exact
    assert bench.digests() == (20, 1)
