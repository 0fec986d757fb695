"""What both service hooks share: turning a connection into a client, and the twin call paths."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from airflow_provider_dubbing._compat import BaseHook
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.config import ClientConfig, ServiceSpec, parse_base_url
from airflow_provider_dubbing.client.errors import ConnectionConfigError, DubbingError
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.client.transport import ApiClient, AsyncApiClient
from airflow_provider_dubbing.hooks.connection import (
    ConnectionFields,
    aload_connection_fields,
    load_connection_fields,
)

T = TypeVar("T")


class DubbingHook(BaseHook):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the service hooks: reads the connection once, then sends calls sync or async.

    :param conn_id: the Airflow connection to read.
    :param timeout_s: the per-request timeout, in seconds; the connection's extra
        ``request_timeout_s`` overrides it (one place to tune it for every task of a connection).
    :param retry: how transient failures are retried inside one call.
    """

    service: ClassVar[ServiceSpec]
    conn_type: ClassVar[str]

    def __init__(self, conn_id: str, *, timeout_s: float = 30.0, retry: RetryPolicy | None = None) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self._config: ClientConfig | None = None
        self._fields: ConnectionFields | None = None

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

    def _request(self, call: ApiCall[T]) -> T:
        return ApiClient(self.get_client_config()).request(call)

    async def _arequest(self, call: ApiCall[T]) -> T:
        return await AsyncApiClient(await self.aget_client_config()).arequest(call)

    def test_connection(self) -> tuple[bool, str]:
        """Make one cheap authenticated call; never raises, so the UI can show the reason."""
        try:
            config = self.get_client_config()
            # A person is waiting on the button: one attempt, and a short leash.
            quick = replace(config, retry=RetryPolicy(max_retries=0), timeout_s=min(config.timeout_s, 10.0))
            ApiClient(quick).request(self._test_call())
        except DubbingError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI button must get an answer, whatever broke
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to {self.service.name} at {self.get_client_config().base_url}"


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
    """``value`` as a non-blank string, or a :class:`ConnectionConfigError` saying what is missing."""
    if not isinstance(value, str) or not value.strip():
        raise ConnectionConfigError(conn.conn_id, field, f"is empty; it must hold the {what}")
    return value.strip()
