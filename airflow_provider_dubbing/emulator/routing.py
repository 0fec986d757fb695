"""The emulator's own router, matching routes on the RAW path's segments, each decoded on its own.

aiohttp would match the decoded path, where ``a%2Fb`` is two segments; here an encoded id stays one.
A template segment ``{id}:verb`` is a gRPC-gateway custom verb: the raw segment is split at its
last unencoded ``:`` before the id is decoded, so ``abc:download`` matches and ``abc%3Adownload``
(an id holding a colon, and no verb) does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from airflow_provider_dubbing.emulator.state import EmulatorState


@dataclass(frozen=True)
class Answer:
    """A JSON answer: status, any JSON value (wrong shapes included) and extra headers."""

    status: int
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        """The payload as the bytes sent."""
        return json.dumps(self.payload).encode()


@dataclass(frozen=True)
class Call:
    """What a handler sees of one request.

    :param params: the route's path parameters, percent-decoded.
    :param origin: ``scheme://host[:port]`` as the client reached the emulator (its ``Host``
        header), for URLs that point back at it.
    :param commit: false when the request is faulted: answer as usual, change nothing.
    """

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    state: EmulatorState
    origin: str = "http://127.0.0.1"
    commit: bool = True

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body)


Handler = Callable[[Call], Answer]


@dataclass(frozen=True)
class Api:
    """One fake service: how it checks credentials and how its error bodies look.

    :param authenticate: returns the error answer for bad credentials, ``None`` when good.
    :param error: the service's error answer for an HTTP status and a message.
    """

    name: str
    authenticate: Callable[[Call], Answer | None]
    error: Callable[[int, str], Answer]


@dataclass(frozen=True)
class Route:
    """A method and a path template such as ``/apis/dub-alt-format/{task_id}``.

    A ``{name}`` segment matches any one non-empty segment, decoded; ``{name}:verb`` matches
    a raw segment ending in an unencoded ``:verb``. ``api`` is ``None`` for the admin API,
    which needs no credentials and is never faulted.
    """

    method: str
    template: str
    handler: Handler
    api: Api | None

    @property
    def label(self) -> str:
        """How stats and logs name the route."""
        return f"{self.method} {self.template}"

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """The template split into segments."""
        return tuple(self.template.split("/")[1:])

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """The decoded path parameters when the raw ``segments`` fit the template, else ``None``."""
        params: dict[str, str] = {}
        for pattern, raw in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                name, _, verb = pattern[1:].partition("}")
                if verb:
                    raw, colon, given = raw.rpartition(":")
                    if not colon or f":{given}" != verb:
                        return None
                value = _decode(raw)
                if not value:
                    return None
                params[name] = value
            elif pattern != _decode(raw):
                return None
        return params


@dataclass(frozen=True)
class Resolution:
    """The outcome of routing: the route and its parameters, or the methods the path allows."""

    route: Route | None
    params: Mapping[str, str]
    allowed: tuple[str, ...] = ()


def raw_segments(raw_path: str) -> list[str]:
    """The segments of a raw path (query removed), still percent-encoded: ``a%2Fb`` stays one."""
    return raw_path.partition("?")[0].split("/")[1:]


def _decode(raw_segment: str) -> str:
    return unquote(raw_segment, errors="replace")


class Router:
    """Routes indexed by segment count, tried in order."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._by_length: dict[int, list[Route]] = {}
        for route in routes:
            self._by_length.setdefault(len(route.segments), []).append(route)

    def resolve(self, method: str, segments: Sequence[str]) -> Resolution:
        """The route for ``method`` and the raw ``segments``, or the methods allowed on that path."""
        allowed: list[str] = []
        for route in self._by_length.get(len(segments), ()):
            params = route.match(segments)
            if params is None:
                continue
            if route.method == method:
                return Resolution(route, params)
            allowed.append(route.method)
        return Resolution(None, {}, tuple(allowed))
