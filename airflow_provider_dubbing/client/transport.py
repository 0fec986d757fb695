"""The only code that exists twice: the sync and async send loops, side by side.

Everything they decide (the request, the error, whether and how long to wait before a
retry, how much of an answer to read, the parse) comes from the pure functions in
:mod:`.call` and :mod:`.retry`. The retry loop is a plain ``while``: tenacity, which drove
it before, built its strategies and state on every request, about 36 of the 1,600
function calls of one poll (``benchmarks/poll_path.py``), for a loop of six lines. The
httpx clients themselves are shared per process, per base URL (and, for async, per event
loop): see :mod:`.pool`.

A request that does not change (a status check repeated by a wait) is built once with
:meth:`ApiClient.prepare` and sent again and again with :meth:`ApiClient.send`.

The async loop, the triggerer's hot path, hands the request straight to the transport the
client would pick for its URL (the shared :class:`.AsyncStreamTransport`; a client given
its own transport, such as a test's ``httpx.MockTransport``, gets that one),
and reads our own transport's answer without an ``httpx.Response``. Going through
``AsyncClient.send`` adds its auth and redirect generators, a cookie jar that parses
every answer's headers through ``urllib``'s request and ``email``'s message classes, and
an INFO log line per request; the client has no auth, follows no redirects and keeps no
cookies, so none of that changes an answer, and skipping it took CPU per poll from 0.36 to
0.31 of the benchmark's anchor (BENCHMARKS.md). Picking the transport uses httpx's
``AsyncClient._transport_for_url``, private but unchanged since httpx 0.18.

httpx's own exception is translated, not chained: it holds the request, whose headers
hold the credentials, and an exception's ``__cause__``/``__context__`` travels far.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from airflow_provider_dubbing.client.call import (
    ApiCall,
    build_request,
    keep_reading,
    read_response,
    transport_error,
)
from airflow_provider_dubbing.client.config import ClientConfig
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.client.pool import shared_async_client, shared_sync_client
from airflow_provider_dubbing.client.streams import Answer, AsyncStreamTransport

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prepared(Generic[T]):
    """A call and its ``httpx.Request``, built once and sent as often as needed."""

    call: ApiCall[T]
    request: httpx.Request


class _Client:
    """What both twins share: the config, the request building and the retry decision."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config

    def prepare(self, call: ApiCall[T]) -> Prepared[T]:
        """``call`` as a request, credentials included, ready to send (again)."""
        return Prepared(call, build_request(self.config, call))

    def _retry_wait_s(self, prepared: Prepared[Any], retries: int, error: DubbingError) -> float | None:
        delay = self.config.retry.next_retry_s(retries, error, idempotent=prepared.call.idempotent)
        if delay is not None:
            log.warning("%s; retry %d of %d in %.1f s", error, retries, self.config.retry.max_retries, delay)
        return delay


class ApiClient(_Client):
    """Sync client of one service with one set of credentials.

    :param http: an ``httpx.Client`` to send with (a test's ``httpx.MockTransport``, say);
        by default the process-wide shared one.
    :param sleep: how to wait between retries (injectable so tests need not sleep).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(config)
        self._http = http
        self._sleep = sleep

    def request(self, call: ApiCall[T]) -> T:
        """Send ``call``, retrying what the policy allows, and return the parsed answer."""
        return self.send(self.prepare(call))

    def send(self, prepared: Prepared[T]) -> T:
        """Send a prepared call, retrying what the policy allows; return the parsed answer."""
        http = self._http or shared_sync_client(self.config.base_url)
        retries = 0
        while True:
            try:
                return self._send_once(http, prepared)
            except DubbingError as error:
                retries += 1
                delay = self._retry_wait_s(prepared, retries, error)
                if delay is None:
                    raise
            self._sleep(delay)

    @staticmethod
    def _send_once(http: httpx.Client, prepared: Prepared[T]) -> T:
        body = bytearray()
        try:
            response = http.send(prepared.request, stream=True)
            try:
                for chunk in response.iter_bytes():
                    if not keep_reading(body, chunk):
                        break
            finally:
                response.close()
        except httpx.TransportError as exc:
            failure = transport_error(prepared.call, exc)
        else:
            return read_response(prepared.call, response.status_code, response.headers, bytes(body))
        raise failure


class AsyncApiClient(_Client):
    """Async twin of :class:`ApiClient`, on the httpx client shared by the running loop.

    :param http: an ``httpx.AsyncClient`` to send with; by default the shared one (looked
        up once per event loop, not per request).
    :param sleep: how to wait between retries (injectable so tests need not sleep).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(config)
        self._http = http
        self._sleep = sleep
        self._shared: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    async def arequest(self, call: ApiCall[T]) -> T:
        """Send ``call``, retrying what the policy allows, and return the parsed answer."""
        return await self.asend(self.prepare(call))

    async def asend(self, prepared: Prepared[T]) -> T:
        """Send a prepared call, retrying what the policy allows; return the parsed answer."""
        http = self._http or await self._shared_client()
        transport = http._transport_for_url(prepared.request.url)
        retries = 0
        while True:
            try:
                return await self._asend_once(transport, prepared)
            except DubbingError as error:
                retries += 1
                delay = self._retry_wait_s(prepared, retries, error)
                if delay is None:
                    raise
            await self._sleep(delay)

    async def _shared_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        shared = self._shared
        if shared is None or shared[0] is not loop or shared[1].is_closed:
            shared = (loop, await shared_async_client(self.config.base_url))
            self._shared = shared
        return shared[1]

    @staticmethod
    async def _asend_once(transport: httpx.AsyncBaseTransport, prepared: Prepared[T]) -> T:
        body = bytearray()
        try:
            if isinstance(transport, AsyncStreamTransport):
                answer = await transport.fetch(prepared.request)
            else:
                response = await transport.handle_async_request(prepared.request)
                try:
                    async for chunk in response.aiter_bytes():  # decoded, as ``send`` would
                        if not keep_reading(body, chunk):
                            break
                finally:
                    await response.aclose()
                headers = {k: v for k, v in response.headers.items() if k != "content-encoding"}
                answer = Answer(response.status_code, headers, bytes(body))
        except httpx.TransportError as exc:
            failure = transport_error(prepared.call, exc)
        else:
            return read_response(prepared.call, answer.status_code, answer.headers, _decoded(answer))
        raise failure


def _decoded(answer: Answer) -> bytes:
    # Our requests ask for no compression, but a proxy may apply it anyway: httpx decodes.
    if answer.headers.get("content-encoding", "identity").strip().lower() in ("", "identity"):
        return answer.body
    try:
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.body).content
    except httpx.DecodingError:
        return answer.body  # then read as it came, and reported as not JSON
