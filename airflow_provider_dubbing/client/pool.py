"""Process-wide httpx clients: one per base URL (and per event loop for async).

Async clients send through :class:`.AsyncStreamTransport`, at most
:data:`ASYNC_MAX_CONNECTIONS` connections per origin: a triggerer polling thousands of
jobs queues them on a few keep-alive connections instead of opening one per job.

A new client costs an SSL context (about 30 ms of CPU) and a fresh TCP/TLS handshake, so
a triggerer polling thousands of jobs must not build one per request. One SSL context
serves every client of the process. Async clients belong to the loop that made them
(their connections do), so each loop gets its own, closed when ``asyncio.run`` shuts the
loop down (and forgotten at the next call from another loop). After a fork (Airflow 2's task
runner) the child starts with none.
"""

from __future__ import annotations

import atexit
import functools
import os
import ssl
import threading
from collections.abc import AsyncIterator

import httpx

from airflow_provider_dubbing.client.per_loop import PerLoop
from airflow_provider_dubbing.client.streams import AsyncStreamTransport

_lock = threading.Lock()
_sync_clients: dict[str, httpx.Client] = {}
_async_clients: PerLoop[_LoopEntry] = PerLoop()

# Generous enough for a triggerer polling many jobs on one service; requests beyond it
# queue for a pooled connection (bounded by the client's pool timeout).
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
# Per origin, per event loop. A status poll takes about a millisecond on a loopback or LAN
# connection, so ten connections carry thousands of polls a second; more would only cost
# the service more connections (measured in BENCHMARKS.md).
ASYNC_MAX_CONNECTIONS = 10


class _LoopEntry:
    """An async client and the async generator whose ``finally`` closes it with its loop."""

    __slots__ = ("client", "closer")

    def __init__(self, client: httpx.AsyncClient, closer: AsyncIterator[None]) -> None:
        self.client = client
        self.closer = closer


@functools.lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """The one verifying SSL context every client of this process shares."""
    return httpx.create_ssl_context()


def _forget_after_fork() -> None:
    # The parent's sockets are not the child's to use, and a lock held by another of the
    # parent's threads at fork time would never be released in the child. (The async
    # clients are forgotten by their PerLoop.)
    global _lock
    _lock = threading.Lock()
    _sync_clients.clear()


if hasattr(os, "register_at_fork"):  # POSIX; Airflow 2's task runner forks
    os.register_at_fork(after_in_child=_forget_after_fork)


def shared_sync_client(base_url: str) -> httpx.Client:
    """The process's ``httpx.Client`` for ``base_url`` (thread-safe; made on first use)."""
    with _lock:
        client = _sync_clients.get(base_url)
        if client is None or client.is_closed:
            client = httpx.Client(verify=ssl_context(), limits=LIMITS, trust_env=True)
            _sync_clients[base_url] = client
        return client


async def shared_async_client(base_url: str) -> httpx.AsyncClient:
    """The running loop's ``httpx.AsyncClient`` for ``base_url`` (made on first use)."""
    with _lock:
        per_loop = _async_clients.current()
        entry = per_loop.get(base_url)
        if entry is not None and not entry.client.is_closed:
            return entry.client
        client = new_async_client()
        closer = _close_with_loop(client)
        per_loop[base_url] = _LoopEntry(client, closer)
    # A started async generator is finalised by the loop's shutdown_asyncgens(), which
    # asyncio.run() calls before closing the loop: that is our hook to close the client.
    await closer.__anext__()
    return client


def new_async_client() -> httpx.AsyncClient:
    """A new async client as the pool makes them (the benchmark swaps this to measure others).

    Requests go through our stream transport, or through httpx's own proxy transport where
    the environment names a proxy for them (:func:`environment_proxy_mounts`).
    """
    return httpx.AsyncClient(
        verify=ssl_context(),
        transport=AsyncStreamTransport(ssl_context=ssl_context(), max_connections=ASYNC_MAX_CONNECTIONS),
        mounts=environment_proxy_mounts(),
        trust_env=True,
    )


def environment_proxy_mounts() -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx's proxy transports for what ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and
    ``NO_PROXY`` say, read now, as httpx mounts them for a client of its own making.

    httpx mounts no environment proxy on a client given its own transport, so without these
    a deferred wait on a host whose only way out is a proxy would never reach the service
    (the sync calls, on httpx's default transport, always went through it). A ``NO_PROXY``
    pattern maps to None: the stream transport. The patterns come from httpx's own reader
    (``httpx._utils.get_environment_proxies``, private but in place since httpx 0.18, as
    ``_transport_for_url`` is), so both paths read the environment alike.
    """
    from httpx._utils import get_environment_proxies

    return {
        pattern: None
        if url is None
        else httpx.AsyncHTTPTransport(proxy=url, verify=ssl_context(), limits=LIMITS)
        for pattern, url in get_environment_proxies().items()
    }


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.aclose()


async def aclose_shared_clients() -> None:
    """Close the running loop's shared async clients (tests and long-lived loops)."""
    with _lock:
        entries = list(_async_clients.pop_current().values())
    for entry in entries:
        await entry.client.aclose()


@atexit.register
def close_shared_sync_clients() -> None:
    """Close every shared sync client (at interpreter exit, or from tests)."""
    with _lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()
