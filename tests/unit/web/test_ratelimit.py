"""Rates, the sliding window counter and who the client is (pure parts of rate limiting)."""

from __future__ import annotations

import ipaddress

import pytest

from shared.http.ratelimit import MemoryBackend, Rate, client_address, parse_rates


def test_parse_rates():
    assert parse_rates("10/minute;100/hour") == (Rate(10, 60), Rate(100, 3600))
    assert parse_rates(" 5 / 15minutes ") == (Rate(5, 900),)
    assert parse_rates("1/second") == (Rate(1, 1),)
    for bad in ("", "10", "ten/minute", "10/fortnight", "0/minute", "10/minute;"):
        with pytest.raises(ValueError):
            parse_rates(bad)


async def test_a_window_allows_its_count_then_refuses_with_retry_after():
    backend, rate, t0 = MemoryBackend(), Rate(10, 60), 6000.0
    decisions = [await backend.hit("k", rate, t0 + i) for i in range(11)]
    assert all(d.allowed for d in decisions[:10])
    assert not decisions[10].allowed and 1 <= decisions[10].retry_after <= 120
    assert (await backend.hit("other", rate, t0 + 11)).allowed  # per key


async def test_the_previous_window_weighs_what_still_overlaps():
    backend, rate = MemoryBackend(), Rate(10, 60)
    for _ in range(10):
        assert (await backend.hit("k", rate, 6000.0)).allowed
    # half-way through the next window the previous ten weigh five: five more fit
    assert [(await backend.hit("k", rate, 6090.0)).allowed for _ in range(6)] == (
        [True] * 5 + [False])
    assert (await backend.hit("k", rate, 6240.0)).allowed  # two windows later: forgotten


async def test_retry_after_is_when_it_would_be_allowed():
    backend, rate = MemoryBackend(), Rate(2, 60)
    for _ in range(3):
        refused = await backend.hit("k", rate, 6000.0)
    assert not refused.allowed
    later = 6000.0 + refused.retry_after
    assert (await backend.hit("k2", rate, later)).allowed
    fresh = MemoryBackend()
    for _ in range(3):
        await fresh.hit("k", rate, 6000.0)
    assert (await fresh.hit("k", rate, later + 0.01)).allowed


async def test_old_windows_are_pruned():
    backend = MemoryBackend(max_keys=10)
    for i in range(50):
        await backend.hit(f"k{i}", Rate(1, 1), 1000.0 + i)
    assert len(backend._counts) <= 11


PROXY = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


def scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 1234),
            "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


@pytest.mark.parametrize(("s", "trusted", "client"), [
    (scope("203.0.113.5"), PROXY, "203.0.113.5"),
    (scope("203.0.113.5", "1.2.3.4"), PROXY, "203.0.113.5"),  # not from a proxy: ignored
    (scope("10.0.0.2", "1.2.3.4"), PROXY, "1.2.3.4"),
    (scope("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9"), PROXY, "1.2.3.4"),  # forged left part
    (scope("10.0.0.2", "6.6.6.6", "1.2.3.4"), PROXY, "1.2.3.4"),  # two headers: in order
    (scope("10.0.0.2", "not-an-ip"), PROXY, "not-an-ip"),
    (scope("10.0.0.2"), PROXY, "10.0.0.2"),
    (scope("10.0.0.2", "1.2.3.4"), [], "10.0.0.2"),  # no proxy configured
    (scope("2001:db8:1:2:aaaa::1"), PROXY, "2001:db8:1:2::/64"),
    (scope("::ffff:1.2.3.4"), PROXY, "1.2.3.4"),
    (scope("::1", "2001:db8::7"), PROXY, "2001:db8::/64"),
])
def test_client_address(s, trusted, client):
    assert client_address(s, trusted) == client


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 20), window=st.sampled_from([1, 60, 3600]),
       gaps=st.lists(st.floats(0, 30), min_size=1, max_size=60))
async def test_after_retry_after_one_more_request_is_allowed(count, window, gaps):
    """Waiting Retry-After out is always enough (it may be a little long: whole seconds)."""
    backend, rate, now = MemoryBackend(), Rate(count, window), 10_000.0
    for gap in gaps:
        now += gap
        decision = await backend.hit("k", rate, now)
        if not decision.allowed:
            probe = MemoryBackend()
            probe._counts = dict(backend._counts)
            assert (await probe.hit("k", rate, now + decision.retry_after)).allowed
            assert decision.retry_after <= 2 * window + 1
