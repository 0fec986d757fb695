"""What a client needs to know before its first request: the service, its base URL,
the credentials (kept out of every ``repr``) and the timeouts.

All of it is validated here, once, so that a bad connection fails with a clear
:class:`ConnectionConfigError` before anything goes over the wire.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from airflow_provider_dubbing.client.errors import ConnectionConfigError
from airflow_provider_dubbing.client.retry import RetryPolicy


class Secret:
    """A credential string that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that puts it into a request header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling would write the credential wherever the pickle goes (a DB, a queue).
        raise TypeError("a Secret cannot be pickled; read the credential from the connection again")


@dataclass(frozen=True)
class ServiceSpec:
    """One remote API: its display name, default base URL and how its error bodies read.

    :param error_message: turns a parsed error body into the sentence the service meant.
    :param endpoint_roots: the first path segments of the service's endpoints; a base URL
        holding one was pasted from an endpoint's URL, and every path built on it would be wrong.
    """

    name: str
    default_base_url: str
    error_message: Callable[[Any], str | None]
    endpoint_roots: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client of one service needs; credentials are :class:`Secret` headers.

    What every request of the config carries (its headers, credentials included, and its
    timeouts) is computed once, here, not per request.

    :param base_url: scheme, host, optional port and path prefix, without a trailing slash.
    :param auth_headers: header name to secret value; sent with every request.
    :param timeout_s: the per-request timeout for connect, read, write and pool waits.
    """

    service: ServiceSpec
    base_url: str
    auth_headers: Mapping[str, Secret] = field(default_factory=dict)
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    headers: httpx.Headers = field(init=False, repr=False, compare=False)
    """Every request's headers, credentials included (never shown: ``repr`` leaves it out);
    one object, whose encoded names and values every request of the config shares."""
    timeout: httpx.Timeout = field(init=False, repr=False, compare=False)
    """The httpx timeout; connecting gets a shorter leash than waiting for an answer."""
    timeout_extension: dict[str, float | None] = field(init=False, repr=False, compare=False)
    """The timeout as a request's ``timeout`` extension, shared by every request of the config."""

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s!r}")
        from airflow_provider_dubbing import __version__

        headers = {"accept": "application/json", "user-agent": f"airflow-provider-dubbing/{__version__}"}
        headers.update({name: secret.reveal() for name, secret in self.auth_headers.items()})
        timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0))
        object.__setattr__(self, "headers", httpx.Headers(headers))
        object.__setattr__(self, "timeout", timeout)
        object.__setattr__(self, "timeout_extension", timeout.as_dict())


_LOOPBACK_NAMES = {"localhost"}


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8 or ::1)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_base_url(
    raw: str | None,
    *,
    default: str,
    conn_id: str,
    allow_insecure_http: bool = False,
    endpoint_roots: Collection[str] = (),
) -> str:
    """Turn a connection's ``host`` field into a base URL.

    Empty means the service's default; a port and a path prefix are kept
    (``http://127.0.0.1:8765/apis``). A named host without a scheme means https: Airflow's
    URI form of a connection (``camb://:KEY@client.camb.ai/apis``) cannot carry one. A
    loopback host without a scheme is refused instead, because there https is rarely right
    (the emulator and local proxies speak http) and the mistake would show only as a TLS
    error at the first request. Plain http is accepted only for a loopback host, or when
    the connection says ``allow_insecure_http``: credentials go with every request and
    must not cross a network in clear text. A path holding one of ``endpoint_roots`` is an
    endpoint's URL pasted whole, and refused.
    """
    text = (raw or "").strip()
    if not text:
        return default.rstrip("/")
    has_scheme = "://" in text
    if not has_scheme:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConnectionConfigError(conn_id, "host", f"not a URL: {exc}") from None
    if url.scheme not in ("http", "https"):
        raise ConnectionConfigError(conn_id, "host", f"scheme must be https or http, not {url.scheme!r}")
    if not url.host:
        raise ConnectionConfigError(conn_id, "host", "has no host name")
    if url.query or url.fragment:
        raise ConnectionConfigError(conn_id, "host", "must not carry a query or fragment")
    if not has_scheme and is_loopback_host(url.host):
        raise ConnectionConfigError(
            conn_id,
            "host",
            f"{text.removeprefix('https://')!r} has no scheme; for a loopback host write it "
            "(http:// for the emulator, https:// for a TLS proxy)",
        )
    pasted = [segment for segment in url.path.split("/") if segment in endpoint_roots]
    if pasted:
        raise ConnectionConfigError(
            conn_id,
            "host",
            f"the path {url.path!r} holds {pasted[0]!r}, which the hook adds itself; "
            f"give only the base URL (e.g. {default})",
        )
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(url.host):
        raise ConnectionConfigError(
            conn_id,
            "host",
            f"plain http to {url.host!r} would send the credentials unencrypted; use https, "
            'or set {"allow_insecure_http": true} in the connection extra',
        )
    return str(url).rstrip("/")
