"""The debounce engine: examples of each edge, then its invariants for any call sequence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.application.debounce import Debouncer, Policy

from .fakes import Driven, FakeClock


def engine(policy: Policy, merge=None) -> tuple[Debouncer, Driven, FakeClock]:
    clock = FakeClock()
    debouncer = Debouncer(policy, clock, merge=merge) if merge else Debouncer(policy, clock)
    return debouncer, Driven(debouncer, clock), clock


def test_trailing_edge_fires_once_after_the_quiet_period():
    d, driven, _ = engine(Policy(wait_s=1.5))
    for i in range(100):
        d.call("k", i)
        assert driven.advance(0.1) == []
    [fire] = driven.advance(1.5)
    assert (fire.value, fire.edge, fire.calls) == (99, "trailing", 100)
    assert (d.stats("k").calls, d.stats("k").fires, d.stats("k").suppressed) == (100, 1, 99)


def test_leading_edge_fires_at_once_and_a_lone_call_fires_nothing_more():
    d, driven, _ = engine(Policy(wait_s=1.0, leading=True))
    fire = d.call("k", "a")
    assert (fire.value, fire.edge) == ("a", "leading")
    assert driven.advance(5) == [] and not d.active("k")


def test_with_a_leading_edge_fires_stay_a_wait_apart():
    d, driven, clock = engine(Policy(wait_s=1.0, max_wait_s=1.0, leading=True), merge=max)
    for i in range(100):  # a scroll burst: a mark every 20 ms for 2 s
        driven.record(d.call("k", i))
        driven.advance(0.02)
    driven.advance(10)
    times = [t for t, _ in driven.fired]
    assert len(times) == 3 and driven.fired[-1][1].value == 99
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:]))


def test_the_max_wait_ceiling_fires_however_busy_the_key():
    d, driven, clock = engine(Policy(wait_s=1.0, max_wait_s=3.0), merge=max)
    start, fires = clock.now, []
    for i in range(40):
        d.call("k", i)
        fires += driven.advance(0.25)
    assert [f.value for f in fires][:3] == [11, 23, 35]
    assert all(t - f.first_at <= 3.0 for t, f in driven.fired)
    assert driven.fired[0][0] == pytest.approx(start + 3.0)


def test_flush_fires_the_pending_value_once_and_cancel_drops_it():
    d, driven, _ = engine(Policy(wait_s=1.0))
    d.call("a", 1)
    d.call("b", 2)
    assert d.flush("a").value == 1 and d.flush("a") is None
    d.cancel("b")
    assert driven.advance(10) == []
    assert d.stats("b").suppressed == 1 and d.stats("b").fires == 0


def test_bad_policies_are_refused():
    with pytest.raises(ValueError):
        Policy(wait_s=2.0, max_wait_s=1.0)


keys = st.sampled_from(["a", "b", "c"])
operations = st.lists(st.one_of(
    st.tuples(st.just("call"), keys, st.integers(0, 1000)),
    st.tuples(st.just("advance"), st.floats(0, 5, allow_nan=False)),
    st.tuples(st.just("flush"), keys),
    st.tuples(st.just("cancel"), keys),
), max_size=80)
policies = st.builds(
    lambda wait, extra, leading: Policy(wait, None if extra is None else wait + extra, leading),
    st.floats(0, 3), st.one_of(st.none(), st.floats(0, 3)), st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(policy=policies, ops=operations)
def test_invariants_hold_for_any_call_sequence(policy: Policy, ops: list[tuple]):
    d, driven, _ = engine(policy)
    calls = {k: 0 for k in "abc"}
    cancelled_pending = {k: 0 for k in "abc"}
    for op in ops:
        if op[0] == "call":
            calls[op[1]] += 1
            driven.record(d.call(op[1], op[2]))
        elif op[0] == "advance":
            driven.advance(op[1])
        elif op[0] == "flush":
            _flush_fires_exactly_once(d, driven, op[1])
        else:
            _cancelled_never_fires(d, driven, op[1], cancelled_pending)
    driven.advance(1_000)
    _check_totals(d, driven, policy, calls, cancelled_pending)
    if policy.leading and policy.max_wait_s == policy.wait_s and all(op[0] in ("call", "advance") for op in ops):
        _fires_stay_a_wait_apart(driven, policy)


def _flush_fires_exactly_once(d: Debouncer, driven: Driven, key: str) -> None:
    had_pending = d.active(key) and _has_pending(d, key)
    fire = driven.record(d.flush(key))
    assert (fire is not None) == had_pending
    assert not d.active(key) and d.flush(key) is None


def _has_pending(d: Debouncer, key: str) -> bool:
    return d._windows[key].pending


def _cancelled_never_fires(d: Debouncer, driven: Driven, key: str, cancelled: dict[str, int]) -> None:
    if d.active(key) and _has_pending(d, key):
        cancelled[key] += d._windows[key].calls
    d.cancel(key)
    fired_before = len(driven.fired)
    driven.advance(0)
    assert all(f.key != key for _, f in driven.fired[fired_before:])
    assert not d.active(key)


def _check_totals(d: Debouncer, driven: Driven, policy: Policy, calls: dict, cancelled: dict) -> None:
    for key in "abc":
        stats, fires = d.stats(key), [f for _, f in driven.fired if f.key == key]
        assert stats.calls == calls[key]
        assert stats.fires == len(fires) <= stats.calls
        assert stats.calls == stats.fires + stats.suppressed
        # Nothing is lost: every call is in a fire, or was pending when its key was cancelled.
        assert sum(f.calls for f in fires) + cancelled[key] == calls[key]
        assert not d.active(key)
    for at, fire in driven.fired:
        if policy.max_wait_s is not None:
            assert at - fire.first_at <= policy.max_wait_s + 1e-9
        if fire.edge == "trailing" and policy.max_wait_s is None:
            assert at - fire.first_at >= policy.wait_s - 1e-9


def _fires_stay_a_wait_apart(driven: Driven, policy: Policy) -> None:
    for key in "abc":
        times = [at for at, f in driven.fired if f.key == key]
        assert all(b - a >= policy.wait_s - 1e-9 for a, b in zip(times, times[1:]))


@settings(max_examples=200, deadline=None)
@given(policy=policies, ops=operations)
def test_forgetting_quiet_keys_changes_no_fire_and_leaves_nothing_behind(policy: Policy, ops: list[tuple]):
    forgetting = Policy(policy.wait_s, policy.max_wait_s, policy.leading, forget_when_quiet=True)
    (plain, plain_driven, _), (lean, lean_driven, _) = engine(policy), engine(forgetting)
    for d, driven in ((plain, plain_driven), (lean, lean_driven)):
        for op in ops:
            if op[0] == "call":
                driven.record(d.call(op[1], op[2]))
            elif op[0] == "advance":
                driven.advance(op[1])
            elif op[0] == "flush":
                driven.record(d.flush(op[1]))
            else:
                d.cancel(op[1])
        driven.advance(1_000)
    assert lean_driven.fired == plain_driven.fired
    assert lean.tracked() == 0 and plain.tracked() == len({op[1] for op in ops if op[0] == "call"})
