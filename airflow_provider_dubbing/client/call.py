"""An endpoint call as data, and the pure functions around sending it.

An API folder describes each endpoint as an :class:`ApiCall` (method, path segments,
query, body, how to parse the answer). :func:`build_request` turns it into an
``httpx.Request``; :func:`read_response` maps the answer to a parsed model or to the
error tree; :func:`transport_error` maps httpx's own failures. None of them does I/O, so
the sync and async clients share every decision and differ only in how they send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from airflow_provider_dubbing.client.config import ClientConfig, ServiceSpec
from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ResponseValidationError,
    status_error_class,
)
from airflow_provider_dubbing.client.retry import parse_retry_after

T = TypeVar("T")

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Enough of a body to explain an error, not so much that a log line becomes a page.
_MAX_ERROR_TEXT = 500
# A gRPC-gateway verb as the APIs spell them (``download``, ``complete-upload``).
_VERB = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
MAX_RESPONSE_BYTES = 1024 * 1024
"""The most of an answer the client reads. Every answer of both APIs is a few hundred
bytes; a megabyte is a wrong endpoint or a broken proxy, and must not fill a triggerer's memory."""


@dataclass(frozen=True, slots=True)
class ApiCall(Generic[T]):
    """One request to one endpoint, described without sending it.

    :param path: path segments below the base URL; every segment, ids included, is
        percent-encoded as one segment, so an id can never reach another path.
    :param verb: a gRPC-gateway custom verb (``download`` makes ``.../{id}:download``),
        appended after the last segment as written: only the verb's own colon reaches the
        server unencoded, while a ``:`` inside an id stays ``%3A``. It is code, never input,
        so it is checked to be a plain word when the call is built.
    :param parse: turns the decoded JSON body into the result (a pydantic validator).
    :param label: how messages name the call, e.g. ``GET dub-alt-format/{task_id}``.
    """

    service: ServiceSpec
    method: str
    path: tuple[str, ...]
    parse: Callable[[Any], T]
    label: str
    query: Mapping[str, str | int] = field(default_factory=dict)
    json_body: Any = None
    verb: str | None = None

    def __post_init__(self) -> None:
        if self.verb is not None and not _VERB.fullmatch(self.verb):
            raise ValueError(f"a custom verb is a word of letters, digits and '-', got {self.verb!r}")
        if self.verb is not None and not self.path:
            raise ValueError("a custom verb needs a path segment to follow")

    @property
    def idempotent(self) -> bool:
        """Whether sending the call twice has the same effect as sending it once."""
        return self.method.upper() in _IDEMPOTENT_METHODS

    @property
    def name(self) -> str:
        """Service and call, as used at the start of every message about it."""
        return f"{self.service.name} {self.label}"


def encode_segment(segment: str) -> str:
    """Percent-encode ``segment`` so it stays exactly one path segment.

    ``quote`` leaves dots alone, and a segment of ``.`` or ``..`` would be resolved as a
    relative path by servers and proxies, so those are encoded too.
    """
    encoded = quote(segment, safe="")
    if encoded in (".", ".."):
        return encoded.replace(".", "%2E")
    return encoded


def build_url(base_url: str, call: ApiCall[Any]) -> str:
    """The full URL of ``call`` below ``base_url`` (which may carry a path prefix).

    A custom verb follows the last (encoded) segment after a literal ``:``; every ``:``
    an id holds was encoded to ``%3A``, so the verb's is the only one in the last segment.
    """
    url = base_url.rstrip("/") + "/" + "/".join(encode_segment(s) for s in call.path)
    return url if call.verb is None else f"{url}:{call.verb}"


def build_request(config: ClientConfig, call: ApiCall[Any]) -> httpx.Request:
    """The ``httpx.Request`` for ``call``, credentials included."""
    return httpx.Request(
        call.method,
        build_url(config.base_url, call),
        params=dict(call.query) or None,
        json=call.json_body,
        headers=config.headers,
        extensions={"timeout": config.timeout_extension},
    )


def transport_error(call: ApiCall[Any], exc: httpx.TransportError) -> ApiConnectionError:
    """Map an httpx failure to the tree, noting whether the request may have been received."""
    # Only a failed connect (or a wait for a pooled connection) proves the request never
    # left; a read timeout or a dropped connection may come after the server acted.
    sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    kind = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return ApiTimeoutError(f"{call.name}: no answer in time ({kind})", call=call.label, request_sent=sent)
    return ApiConnectionError(f"{call.name}: {kind}: {exc}", call=call.label, request_sent=sent)


def keep_reading(body: bytearray, chunk: bytes) -> bool:
    """Add ``chunk`` to ``body``; False once ``body`` is past :data:`MAX_RESPONSE_BYTES`.

    The send loops read an answer through this, so an endless or huge body stops at one
    byte past the limit, which :func:`read_response` then reports.
    """
    body += chunk[: MAX_RESPONSE_BYTES + 1 - len(body)]
    return len(body) <= MAX_RESPONSE_BYTES


def read_response(call: ApiCall[T], status_code: int, headers: Mapping[str, str], content: bytes) -> T:
    """Parse a 2xx answer into the call's result, or raise the matching error.

    :param content: the body as read, at most one byte past :data:`MAX_RESPONSE_BYTES`.
    :raises ApiStatusError: a subclass chosen by status code, for any non-2xx answer
        (a huge error body is explained from its start).
    :raises ResponseTooLargeError: a 2xx body past :data:`MAX_RESPONSE_BYTES`.
    :raises ResponseDecodeError: a 2xx body that is not JSON.
    :raises ResponseValidationError: a 2xx JSON body that does not fit the model.
    """
    if not 200 <= status_code < 300:
        raise status_error(call, status_code, headers, content)
    if len(content) > MAX_RESPONSE_BYTES:
        declared = headers.get("content-length")
        size = f"{int(declared):,} bytes" if declared and declared.isdigit() else "unbounded"
        raise ResponseTooLargeError(
            f"{call.name}: answer {status_code} is larger than {MAX_RESPONSE_BYTES:,} bytes ({size}); "
            "an answer of this call is a few hundred bytes, so the host is likely wrong",
            call=call.label,
            problems=(f"(body): larger than {MAX_RESPONSE_BYTES} bytes",),
        )
    try:
        data = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        raise ResponseDecodeError(
            f"{call.name}: answer {status_code} is not JSON: {_snippet(content)!r}", call=call.label
        ) from None
    try:
        return call.parse(data)
    except pydantic.ValidationError as exc:
        problems = tuple(
            f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors()
        )
        raise ResponseValidationError(
            f"{call.name}: the answer does not fit the expected shape: {'; '.join(problems[:5])}",
            call=call.label,
            problems=problems,
        ) from None


def status_error(
    call: ApiCall[Any], status_code: int, headers: Mapping[str, str], content: bytes
) -> ApiStatusError:
    """The error for a non-2xx answer, with the service's own explanation in the message."""
    try:
        body: Any = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        body = _snippet(content)
    explained = None
    if body is not None and not isinstance(body, str):
        try:
            explained = call.service.error_message(body)
        except (AttributeError, KeyError, TypeError, ValueError):
            explained = None
    if explained is None and isinstance(body, str) and body:
        explained = body
    reason = httpx.codes.get_reason_phrase(status_code) or "error"
    message = f"{call.name} answered {status_code} {reason}"
    if explained:
        message += f": {explained}"
    cls = status_error_class(status_code)
    return cls(
        message,
        status_code=status_code,
        body=body,
        call=call.label,
        retry_after=parse_retry_after(headers),
    )


def _snippet(content: bytes) -> str:
    # Collapse whitespace so an HTML error page from a proxy stays one readable line.
    text = " ".join(content.decode("utf-8", errors="replace").split())
    return text if len(text) <= _MAX_ERROR_TEXT else text[:_MAX_ERROR_TEXT] + "..."
