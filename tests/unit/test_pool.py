"""Shared httpx clients: one per base URL, per event loop for async, one SSL context for all."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from airflow_provider_dubbing.client.pool import (
    aclose_shared_clients,
    close_shared_sync_clients,
    shared_async_client,
    shared_sync_client,
    ssl_context,
)

URL_A = "https://a.test/apis"
URL_B = "https://b.test"


def test_sync_clients_are_shared_per_base_url() -> None:
    try:
        first = shared_sync_client(URL_A)
        assert shared_sync_client(URL_A) is first
        assert shared_sync_client(URL_B) is not first
    finally:
        close_shared_sync_clients()
    assert first.is_closed
    assert shared_sync_client(URL_A) is not first  # a closed client is replaced
    close_shared_sync_clients()


def test_async_clients_are_shared_within_a_loop_and_closed_with_it() -> None:
    async def grab() -> tuple[httpx.AsyncClient, httpx.AsyncClient, httpx.AsyncClient]:
        return (
            await shared_async_client(URL_A),
            await shared_async_client(URL_A),
            await shared_async_client(URL_B),
        )

    a1, a2, b = asyncio.run(grab())
    assert a1 is a2
    assert a1 is not b
    # asyncio.run shut the loop down, and the loop's shutdown closed its clients.
    assert a1.is_closed
    assert b.is_closed
    again, _, _ = asyncio.run(grab())
    assert again is not a1


def test_async_clients_can_be_closed_explicitly() -> None:
    async def run() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        first = await shared_async_client(URL_A)
        await aclose_shared_clients()
        return first, await shared_async_client(URL_A)

    first, second = asyncio.run(run())
    assert first.is_closed
    assert second is not first


def test_one_ssl_context_for_the_whole_process() -> None:
    from airflow_provider_dubbing.client.streams import AsyncStreamTransport

    assert ssl_context() is ssl_context()

    async def contexts() -> list[object]:
        clients = [await shared_async_client(URL_A), await shared_async_client(URL_B)]
        transports = [c._transport for c in clients]  # httpx keeps the one it was given here
        assert all(isinstance(t, AsyncStreamTransport) for t in transports)
        return [t.ssl_context for t in transports]  # type: ignore[attr-defined]

    try:
        sync_ctx = shared_sync_client(URL_A)._transport._pool._ssl_context  # type: ignore[attr-defined]
    finally:
        close_shared_sync_clients()
    assert {id(ctx) for ctx in [*asyncio.run(contexts()), sync_ctx]} == {id(ssl_context())}


def test_closed_loops_are_not_kept_alive() -> None:
    import gc

    from airflow_provider_dubbing.client import pool

    async def grab() -> None:
        await shared_async_client(URL_A)

    for _ in range(5):
        asyncio.run(grab())
    asyncio.run(grab())  # the next call from a new loop forgets the closed ones
    gc.collect()
    assert len(pool._async_clients) <= 1


# Python 3.12+ warns about fork() in a threaded process; this child only checks state and exits.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_child_starts_without_the_parents_clients() -> None:
    import os

    from airflow_provider_dubbing.client import pool

    parent_client = shared_sync_client(URL_A)
    try:
        pid = os.fork()
        if pid == 0:  # the child: report through the exit code only
            fresh = not pool._sync_clients and shared_sync_client(URL_A) is not parent_client
            os._exit(0 if fresh else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert shared_sync_client(URL_A) is parent_client  # the parent keeps its own
    finally:
        close_shared_sync_clients()


def test_a_redirect_is_not_followed_so_the_key_stays_home() -> None:
    # A redirect would carry x-api-key (httpx strips only Authorization) to wherever it points.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from airflow_provider_dubbing.camb import endpoints as camb
    from airflow_provider_dubbing.client.config import ClientConfig
    from airflow_provider_dubbing.client.errors import ApiStatusError
    from airflow_provider_dubbing.client.transport import ApiClient, AsyncApiClient

    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("x-api-key")))
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        config = ClientConfig(
            service=camb.SERVICE,
            base_url=f"http://127.0.0.1:{server.server_port}/apis",
            auth_headers=camb.auth_headers("the-key"),
        )
        try:
            with pytest.raises(ApiStatusError) as sync_info:
                ApiClient(config).request(camb.get_alt_format_status("t1"))
            with pytest.raises(ApiStatusError) as async_info:
                asyncio.run(AsyncApiClient(config).arequest(camb.get_alt_format_status("t1")))
        finally:
            server.shutdown()
            close_shared_sync_clients()
    assert sync_info.value.status_code == async_info.value.status_code == 302
    assert seen == [("/apis/dub-alt-format/t1", "the-key")] * 2
