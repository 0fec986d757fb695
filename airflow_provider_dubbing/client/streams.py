"""An httpx transport for the triggerer: HTTP/1.1 on asyncio streams, a small keep-alive pool per origin.

Why not httpx's own: its connection pool (httpcore) rescans every pooled connection and
every queued request on each request, so thousands of triggers polling through one
client spend most of their CPU there (see BENCHMARKS.md: about 3 ms per poll at 300
waits, more than Airflow's HTTP sensor trigger). Here a semaphore per origin bounds the
connections (and so the connections a triggerer opens), an idle connection is reused
last-in first-out, and h11 (which httpx already depends on, through httpcore) reads the
answer. httpx stays the API: requests, responses, errors and content decoding are
httpx's. Proxies are not: httpx mounts none from the environment for a client given its
own transport, so the async waits do not go through ``HTTP(S)_PROXY`` (a known limit;
the sync calls do).

Only what our polls need: HTTP/1.1, bodies given whole (never streamed), the answer
read whole (up to a cap) before it is returned.

:meth:`AsyncStreamTransport.fetch` is the client's own way in: the same exchange, the
answer as an :class:`Answer` instead of an ``httpx.Response``, whose construction and
decoding cost about a fifth of a poll's CPU (``benchmarks/poll_path.py`` and its profile).
A request sent again and again (a wait's status check) also keeps its h11 request line
and headers, validated once, in its ``extensions``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import h11
import httpx

from airflow_provider_dubbing.client.call import MAX_RESPONSE_BYTES
from airflow_provider_dubbing.client.timeouts import within

_DEFAULT_PORTS = {"http": 80, "https": 443}
_READ_SIZE = 64 * 1024
_HEAD_KEY = "airflow_provider_dubbing.h11_request"


class Answer(NamedTuple):
    """An answer as the client reads it.

    :param headers: lower-case names; a repeated header's values joined with ``", "``.
    :param body: as sent (any content encoding left in place), at most the transport's
        ``max_body_bytes`` and the chunk that passed it.
    """

    status_code: int
    headers: dict[str, str]
    body: bytes


class _Connection:
    """One HTTP/1.1 connection: its streams, its h11 state and when it went idle."""

    __slots__ = ("h11", "idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(our_role=h11.CLIENT)
        self.idle_since = 0.0

    def is_reusable(self, now: float, expiry_s: float) -> bool:
        # A server closing an idle connection shows as EOF already read into the stream.
        return now - self.idle_since < expiry_s and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class _Origin:
    """The pool of one ``(scheme, host, port)``: at most ``size`` connections, idle ones kept."""

    __slots__ = ("gate", "idle")

    def __init__(self, size: int) -> None:
        self.gate = asyncio.Semaphore(size)
        self.idle: list[_Connection] = []


class AsyncStreamTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams with at most ``max_connections`` per origin.

    Belongs to one event loop (its semaphores and streams do), like the client it serves.

    :param ssl_context: the context for ``https`` origins.
    :param max_connections: connections per origin; a request beyond them waits, up to
        its pool timeout, for one to be free.
    :param keepalive_expiry_s: how long an idle connection is kept for reuse.
    :param max_body_bytes: an answer is read up to this many bytes and the next chunk; the
        client reports a longer one, so a huge body is never held whole.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int = 10,
        keepalive_expiry_s: float = 30.0,
        max_body_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {max_connections}")
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._keepalive_expiry_s = keepalive_expiry_s
        self._max_body_bytes = max_body_bytes
        self._origins: dict[tuple[str, str, int], _Origin] = {}
        self.connections_opened = 0
        """How many TCP connections this transport opened (for tests and the benchmark)."""

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The context ``https`` origins are verified with."""
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        head, body = await self._fetch(request)
        return httpx.Response(
            head.status_code,
            headers=list(head.headers),
            content=body,
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
            request=request,
        )

    async def fetch(self, request: httpx.Request) -> Answer:
        """Send ``request``; its answer, read whole up to the cap. Errors are httpx's, as for
        :meth:`handle_async_request`."""
        head, body = await self._fetch(request)
        headers: dict[str, str] = {}
        for name, value in head.headers:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return Answer(head.status_code, headers, body)

    async def _fetch(self, request: httpx.Request) -> tuple[h11.Response, bytes]:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        key = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(self._max_connections)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        body = request.read()
        with _mapped_errors(request):
            await self._acquire(origin, timeouts.get("pool"))
            try:
                return await self._exchange(origin, key, request, body, timeouts)
            finally:
                origin.gate.release()

    async def _acquire(self, origin: _Origin, timeout_s: float | None) -> None:
        if not origin.gate.locked():  # the common case: no task, no timer
            await origin.gate.acquire()
            return
        try:
            await within(origin.gate.acquire(), timeout_s)
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout("no pooled connection became free in time") from None

    async def _exchange(
        self,
        origin: _Origin,
        key: tuple[str, str, int],
        request: httpx.Request,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> tuple[h11.Response, bytes]:
        now = time.monotonic()
        while origin.idle:
            conn = origin.idle.pop()
            # A connection the server closed while idle has its EOF read already, so it is
            # skipped here. One closed after this point fails the request: it may have been
            # sent, so resending is left to the retry policy, which knows what is idempotent.
            if conn.is_reusable(now, self._keepalive_expiry_s):
                return await self._send(origin, conn, request, body, timeouts)
            conn.close()
        conn = await self._open(key, timeouts.get("connect"))
        return await self._send(origin, conn, request, body, timeouts)

    async def _open(self, key: tuple[str, str, int], timeout_s: float | None) -> _Connection:
        scheme, host, port = key
        tls: dict[str, Any] = {"ssl": self._ssl_context, "server_hostname": host} if scheme == "https" else {}
        try:
            reader, writer = await within(
                asyncio.open_connection(host, port, limit=_READ_SIZE, **tls), timeout_s
            )
        except asyncio.TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} took too long") from None
        except OSError as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from None
        self.connections_opened += 1
        return _Connection(reader, writer)

    async def _send(
        self,
        origin: _Origin,
        conn: _Connection,
        request: httpx.Request,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> tuple[h11.Response, bytes]:
        try:
            response = await within(self._roundtrip(conn, request, body), timeouts.get("read"))
        except BaseException:
            conn.close()
            raise
        if conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            conn.h11.start_next_cycle()
            conn.idle_since = time.monotonic()
            origin.idle.append(conn)
        else:
            conn.close()
        return response

    async def _roundtrip(
        self, conn: _Connection, request: httpx.Request, body: bytes
    ) -> tuple[h11.Response, bytes]:
        data = conn.h11.send(_request_head(request, body))
        if body:
            data = (data or b"") + (conn.h11.send(h11.Data(data=body)) or b"")
        data = (data or b"") + (conn.h11.send(h11.EndOfMessage()) or b"")
        conn.writer.write(data)
        head: h11.Response | None = None
        chunks: list[bytes] = []
        received = 0
        while True:
            event = conn.h11.next_event()
            if event is h11.NEED_DATA:
                conn.h11.receive_data(await conn.reader.read(_READ_SIZE))
            elif isinstance(event, h11.InformationalResponse):
                continue
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
                received += len(event.data)
                if received > self._max_body_bytes:
                    # Not read to its end, so the connection cannot be reused: _send closes it.
                    break
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        if head is None:
            raise httpx.RemoteProtocolError("the connection closed before an answer")
        return head, b"".join(chunks)

    async def aclose(self) -> None:
        for origin in self._origins.values():
            for conn in origin.idle:
                conn.close()
            origin.idle.clear()
        self._origins.clear()


def _request_head(request: httpx.Request, body: bytes) -> h11.Request:
    # Kept on the request: h11 validates a request line and headers as it builds them,
    # and a wait sends the same request many times.
    head = request.extensions.get(_HEAD_KEY)
    if isinstance(head, h11.Request):
        return head
    headers = [(name, value) for name, value in request.headers.raw]
    if body and not any(name.lower() == b"content-length" for name, _ in headers):
        headers.append((b"content-length", str(len(body)).encode()))
    head = h11.Request(method=request.method, target=request.url.raw_path, headers=headers)
    request.extensions[_HEAD_KEY] = head
    return head


@contextmanager
def _mapped_errors(request: httpx.Request) -> Iterator[None]:
    """Errors below httpx raised as httpx's own, which the client layer already maps."""
    try:
        yield
    except httpx.TransportError:
        raise
    except asyncio.TimeoutError:
        raise httpx.ReadTimeout("no answer in time", request=request) from None
    except h11.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from None
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc), request=request) from None
    except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
        raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from None
