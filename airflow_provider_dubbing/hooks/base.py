"""What both service hooks share: turning a connection into the hook's own client, the
twin call paths, and status checks built once for a whole wait."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from airflow_provider_dubbing._compat import BaseHook
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.config import ClientConfig, ServiceSpec, parse_base_url
from airflow_provider_dubbing.client.errors import ConnectionConfigError, DubbingError
from airflow_provider_dubbing.client.per_loop import PerLoop
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.client.transport import ApiClient, AsyncApiClient, Prepared
from airflow_provider_dubbing.hooks.connection import (
    ConnectionFields,
    aload_connection_fields,
    load_connection_fields,
)
from airflow_provider_dubbing.waiting.verdict import Verdict

T = TypeVar("T")

# The async client of each connection, per event loop, for as long as the connection's
# looked-up fields stay the same object (``aload_connection_fields`` keeps them a minute):
# a triggerer's thousands of waits on one connection share one config and one client
# instead of a few kilobytes each.
_async_clients: PerLoop[tuple[ConnectionFields, AsyncApiClient]] = PerLoop()


class DubbingHook(BaseHook):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the service hooks: reads the connection once, then sends calls sync or async.

    :param conn_id: the Airflow connection to read.
    :param timeout_s: the per-request timeout, in seconds; the connection's extra
        ``request_timeout_s`` overrides it (one place to tune it for every task of a connection).
    :param retry: how transient failures are retried inside one call.
    :param transport: an httpx transport to send through instead of the process's shared
        clients, e.g. ``httpx.MockTransport`` in a test (it serves sync and async alike).

    The hook owns its clients, made on first use and kept: a wait's checks all go through
    the same one.
    """

    service: ClassVar[ServiceSpec]
    conn_type: ClassVar[str]

    def __init__(
        self,
        conn_id: str,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.transport = transport
        self._config: ClientConfig | None = None
        self._fields: ConnectionFields | None = None
        self._client: ApiClient | None = None
        self._aclient: AsyncApiClient | None = None

    @abstractmethod
    def _auth_headers(self, conn: ConnectionFields) -> dict[str, Any]:
        """The service's auth headers from the connection, or a :class:`ConnectionConfigError`."""

    @abstractmethod
    def _test_call(self) -> ApiCall[Any]:
        """The cheap authenticated call ``test_connection`` makes."""

    def _config_from(self, conn: ConnectionFields) -> ClientConfig:
        return ClientConfig(
            service=self.service,
            base_url=parse_base_url(
                conn.host,
                default=self.service.default_base_url,
                conn_id=conn.conn_id,
                allow_insecure_http=_flag(conn, "allow_insecure_http"),
                endpoint_roots=self.service.endpoint_roots,
            ),
            auth_headers=self._auth_headers(conn),
            timeout_s=_timeout_s(conn, self.timeout_s),
            retry=self.retry,
        )

    def get_connection_fields(self) -> ConnectionFields:
        """The connection's fields, read on first use and kept (one lookup per hook)."""
        if self._fields is None:
            self._fields = load_connection_fields(self.conn_id)
        return self._fields

    def get_client_config(self) -> ClientConfig:
        """The client configuration, read from the connection on first use."""
        if self._config is None:
            self._config = self._config_from(self.get_connection_fields())
        return self._config

    async def aget_client_config(self) -> ClientConfig:
        """Async twin of :meth:`get_client_config`; the lookup never blocks the event loop."""
        if self._config is None:
            if self._fields is None:
                self._fields = await aload_connection_fields(self.conn_id)
            self._config = self._config_from(self._fields)
        return self._config

    def get_client(self) -> ApiClient:
        """The hook's sync client, made on first use."""
        if self._client is None:
            http = httpx.Client(transport=self.transport) if self.transport is not None else None  # type: ignore[arg-type]
            self._client = ApiClient(self.get_client_config(), http=http)
        return self._client

    async def aget_client(self) -> AsyncApiClient:
        """The hook's async client, made on first use (the connection lookup never blocks the
        loop); hooks of the same connection in one event loop share it."""
        if self._aclient is not None:
            return self._aclient
        if self.transport is not None:
            http = httpx.AsyncClient(transport=self.transport)  # type: ignore[arg-type]
            self._aclient = AsyncApiClient(await self.aget_client_config(), http=http)
            return self._aclient
        if self._fields is None:
            self._fields = await aload_connection_fields(self.conn_id)
        key = f"{type(self).__qualname__}|{self.conn_id}|{self.timeout_s!r}|{self.retry!r}"
        per_loop = _async_clients.current()
        entry = per_loop.get(key)
        if entry is None or entry[0] is not self._fields:
            entry = (self._fields, AsyncApiClient(self._config or self._config_from(self._fields)))
            per_loop[key] = entry
        self._aclient = entry[1]
        self._config = entry[1].config
        return self._aclient

    def _request(self, call: ApiCall[T]) -> T:
        return self.get_client().request(call)

    async def _arequest(self, call: ApiCall[T]) -> T:
        return await (await self.aget_client()).arequest(call)

    def status_check(self, call: ApiCall[T], judge: Callable[[T], Verdict]) -> StatusCheck[T]:
        """A check of one object, built once for a whole wait: ``call`` (validated when the
        endpoint function built it) is turned into a request on first use, then only sent;
        ``judge`` reads each answer."""
        return StatusCheck(self, call, judge)

    def test_connection(self) -> tuple[bool, str]:
        """Make one cheap authenticated call; never raises, so the UI can show the reason."""
        try:
            config = self.get_client_config()
            # A person is waiting on the button: one attempt, and a short leash.
            quick = replace(config, retry=RetryPolicy(max_retries=0), timeout_s=min(config.timeout_s, 10.0))
            http = httpx.Client(transport=self.transport) if self.transport is not None else None  # type: ignore[arg-type]
            ApiClient(quick, http=http).request(self._test_call())
        except DubbingError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI button must get an answer, whatever broke
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to {self.service.name} at {self.get_client_config().base_url}"


class StatusCheck(Generic[T]):
    """One status check of a wait: the request is built once, then sent at every check.

    :param hook: the hook whose client sends it.
    :param call: the status call (its ids already checked when it was built).
    :param judge: what the answer means (an API folder's ``outcomes`` function).
    """

    __slots__ = ("_aprepared", "_prepared", "call", "hook", "judge")

    def __init__(self, hook: DubbingHook, call: ApiCall[T], judge: Callable[[T], Verdict]) -> None:
        self.hook = hook
        self.call = call
        self.judge = judge
        self._prepared: Prepared[T] | None = None
        self._aprepared: tuple[AsyncApiClient, Prepared[T]] | None = None

    def check(self) -> Verdict:
        """Check once; raises a :class:`DubbingError` when the request fails."""
        client = self.hook.get_client()
        if self._prepared is None:
            self._prepared = client.prepare(self.call)
        return self.judge(client.send(self._prepared))

    async def acheck(self) -> Verdict:
        """Async twin of :meth:`check`."""
        if self._aprepared is None:
            client = await self.hook.aget_client()
            self._aprepared = (client, client.prepare(self.call))
        client, prepared = self._aprepared
        return self.judge(await client.asend(prepared))


def _flag(conn: ConnectionFields, name: str) -> bool:
    value = conn.extra_value(name)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# Longer than any status answer needs; a larger value is a typo for minutes or milliseconds.
MAX_REQUEST_TIMEOUT_S = 600.0


def _timeout_s(conn: ConnectionFields, default: float) -> float:
    value = conn.extra_value("request_timeout_s")
    if value is None or value == "":
        return default
    seconds: float | None = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    if seconds is None or not 0 < seconds <= MAX_REQUEST_TIMEOUT_S:
        raise ConnectionConfigError(
            conn.conn_id,
            "extra.request_timeout_s",
            f"must be a number of seconds above 0 and at most {MAX_REQUEST_TIMEOUT_S:.0f}, got {value!r}",
        )
    return seconds


def require_field(conn: ConnectionFields, field: str, value: Any, what: str) -> str:
    """``value`` as a non-blank string, or a :class:`ConnectionConfigError` saying what is wrong.

    A value holding a control character (a line break pasted inside a key) is refused here,
    naming the field but never quoting the value: sent as a header, it would fail in the
    HTTP layer with an error that quotes the whole header, credential included.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConnectionConfigError(conn.conn_id, field, f"is empty; it must hold the {what}")
    text = value.strip()
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise ConnectionConfigError(
            conn.conn_id, field, f"holds a control character (a line break?); it must hold the {what} alone"
        )
    return text
