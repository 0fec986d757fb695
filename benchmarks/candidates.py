"""The other clients our triggers were measured with on the way to the one the package ships.

``BENCH_CLIENT=name`` makes the poller swap the package's async client factory
(:func:`airflow_provider_dubbing.client.pool.new_async_client`) for one of these; every
other line of the triggers, hooks and client layer stays as shipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from airflow_provider_dubbing.client import pool


class GatedTransport(httpx.AsyncBaseTransport):
    """httpx's own transport behind a semaphore, so its pool never holds a queue."""

    def __init__(self, inner: httpx.AsyncBaseTransport, size: int) -> None:
        self.inner = inner
        self.gate = asyncio.Semaphore(size)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self.gate:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def httpx_pool() -> httpx.AsyncClient:
    # The design before this benchmark: one shared client, httpx's pool of 100 connections.
    return httpx.AsyncClient(verify=pool.ssl_context(), limits=pool.LIMITS, trust_env=True)


def httpx_gated() -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=30.0)
    inner = httpx.AsyncHTTPTransport(verify=pool.ssl_context(), limits=limits)
    return httpx.AsyncClient(transport=GatedTransport(inner, 10), trust_env=True)


def httpx_aiohttp() -> httpx.AsyncClient:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10, ssl=pool.ssl_context()))

    return httpx.AsyncClient(transport=AiohttpTransport(client=session), trust_env=True)


CLIENTS: dict[str, Callable[[], httpx.AsyncClient]] = {
    "httpx-pool": httpx_pool,
    "httpx-gated": httpx_gated,
    "httpx-aiohttp": httpx_aiohttp,
}


def install(name: str) -> None:
    """Make the package's pool build ``name`` clients from now on."""
    pool.new_async_client = CLIENTS[name]  # type: ignore[assignment]
