"""The only code that exists twice: the sync and async send loops, side by side.

Everything they decide (the request, the error, whether and how long to wait, how
much of an answer to read, the parse) comes from the pure functions in :mod:`.call` and
:mod:`.retry`; tenacity drives both loops from the same arguments. The httpx clients
themselves are shared per process, per base URL (and, for async, per event loop): see
:mod:`.pool`.

httpx's own exception is translated, not chained: it holds the request, whose headers
hold the credentials, and an exception's ``__cause__``/``__context__`` travels far.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from airflow_provider_dubbing.client.call import (
    ApiCall,
    build_request,
    keep_reading,
    read_response,
    transport_error,
)
from airflow_provider_dubbing.client.config import ClientConfig
from airflow_provider_dubbing.client.pool import shared_async_client, shared_sync_client

T = TypeVar("T")

log = logging.getLogger(__name__)


def retry_arguments(config: ClientConfig, call: ApiCall[Any]) -> dict[str, Any]:
    """Tenacity's arguments for one call: the same for the sync and the async loop."""
    policy = config.retry

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.delay_s(state.attempt_number, error) if error else 0.0

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s; retry %d of %d in %.1f s", error, state.attempt_number, policy.max_retries, delay)

    return {
        "stop": stop_after_attempt(policy.max_retries + 1),
        "retry": retry_if_exception(lambda exc: policy.should_retry(exc, idempotent=call.idempotent)),
        "wait": wait,
        "before_sleep": before_sleep,
        "reraise": True,
    }


class ApiClient:
    """Sync client of one service with one set of credentials.

    :param http: an ``httpx.Client`` to send with; by default the process-wide shared one.
    :param sleep: how to wait between retries (injectable so tests need not sleep).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._http = http
        self._sleep = sleep

    def request(self, call: ApiCall[T]) -> T:
        """Send ``call``, retrying what the policy allows, and return the parsed answer."""
        http = self._http or shared_sync_client(self.config.base_url)
        request = build_request(self.config, call)
        for attempt in Retrying(sleep=self._sleep, **retry_arguments(self.config, call)):
            with attempt:
                body = bytearray()
                try:
                    response = http.send(request, stream=True)
                    try:
                        for chunk in response.iter_bytes():
                            if not keep_reading(body, chunk):
                                break
                    finally:
                        response.close()
                except httpx.TransportError as exc:
                    failure = transport_error(call, exc)
                else:
                    return read_response(call, response.status_code, response.headers, bytes(body))
                raise failure
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover


class AsyncApiClient:
    """Async twin of :class:`ApiClient`, on the httpx client shared by the running loop.

    :param http: an ``httpx.AsyncClient`` to send with; by default the shared one.
    :param sleep: how to wait between retries (injectable so tests need not sleep).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self._http = http
        self._sleep = sleep

    async def arequest(self, call: ApiCall[T]) -> T:
        """Send ``call``, retrying what the policy allows, and return the parsed answer."""
        http = self._http or await shared_async_client(self.config.base_url)
        request = build_request(self.config, call)
        async for attempt in AsyncRetrying(sleep=self._sleep, **retry_arguments(self.config, call)):
            with attempt:
                body = bytearray()
                try:
                    response = await http.send(request, stream=True)
                    try:
                        async for chunk in response.aiter_bytes():
                            if not keep_reading(body, chunk):
                                break
                    finally:
                        await response.aclose()
                except httpx.TransportError as exc:
                    failure = transport_error(call, exc)
                else:
                    return read_response(call, response.status_code, response.headers, bytes(body))
                raise failure
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover
