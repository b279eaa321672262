"""The webhook client's address guard, on answers a real resolver would rarely give."""

from __future__ import annotations

import asyncio
import socket

import pytest

from services.notifications.channels.webhook_http import GuardedResolver, WebhookClient
from services.notifications.domain.webhooks import AddressPolicy, RefusedAddress

POLICY = AddressPolicy(allow_loopback=False, require_https=False, allowed_hosts=frozenset())


def _answer(*addresses: str):
    async def getaddrinfo(host, port, **_):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    return getaddrinfo


async def test_a_mixed_answer_is_refused_whole(monkeypatch):
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", _answer("93.184.216.34", "10.0.0.7"))
    with pytest.raises(RefusedAddress):
        await GuardedResolver(POLICY).resolve("hooks.example.org", 443)


async def test_a_public_answer_is_connected_to_as_resolved(monkeypatch):
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", _answer("93.184.216.34", "93.184.216.34"))
    found = await GuardedResolver(POLICY).resolve("hooks.example.org", 443)
    assert [(r["host"], r["port"], r["hostname"]) for r in found] == [
        ("93.184.216.34", 443, "hooks.example.org")]


async def test_a_rebound_name_never_gets_a_request(monkeypatch):
    """The name passed at creation; at delivery it resolves to the metadata service."""
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", _answer("169.254.169.254"))
    client = WebhookClient(POLICY, timeout_s=2, connections=2)
    try:
        answer = await client.post("http://hooks.example.org/h", b"{}", {}, pool="e-1")
    finally:
        await client.close()
    assert (answer.status_code, answer.error_class) == (None, "refused_address")


@pytest.mark.parametrize("url", ["http://10.1.2.3/h", "http://[::1]:8080/h",
                                 "ftp://hooks.example.org/h", "http://u:p@hooks.example.org/"])
async def test_a_refused_url_is_refused_before_any_connection(url):
    client = WebhookClient(POLICY, timeout_s=2, connections=2)
    try:
        answer = await client.post(url, b"{}", {}, pool="e-1")
    finally:
        await client.close()
    assert answer.error_class == "refused_address"
