from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.integration.web.testapp import create_app


@pytest.fixture
def make_client() -> Callable[..., httpx.AsyncClient]:
    """A client of a fresh test app (no lifespan: the routes need no database)."""
    def make(**settings: Any) -> httpx.AsyncClient:
        app = create_app(**settings)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app, raise_app_exceptions=False),
                                 base_url="http://web")
    return make


@pytest.fixture
async def client(make_client) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c
