"""Which API request gets which fault: a queue of exact faults first, then a seeded random draw.

Pure bookkeeping; how each kind is put on the wire lives with the dispatcher in ``app.py``.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("429", "500", "502_html", "503", "drop", "truncate", "html200", "slow")
NO_FAULT = "none"
"""Queue-only: answer this request normally, so a queue can interleave faults and answers."""


class FaultConfigError(ValueError):
    """Fault settings the emulator cannot use."""


@dataclass(frozen=True)
class Fault:
    """One fault to apply to one request.

    :param kind: one of :data:`FAULT_KINDS`.
    :param retry_after: seconds sent in ``Retry-After`` (``429`` only).
    :param slow_seconds: how long a ``slow`` answer waits.
    """

    kind: str
    retry_after: float = 1.0
    slow_seconds: float = 5.0


class FaultPlan:
    """The faults to come: a queue applied in order, then a draw at ``rate`` per request.

    The draw uses ``random.Random(seed)`` and one draw per request that reaches it, so a
    seed and a request order always give the same faults.
    """

    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()
        self.configure()

    def configure(
        self,
        rate: float = 0.0,
        seed: int = 0,
        kinds: Iterable[str] | None = None,
        retry_after: float = 1.0,
        slow_seconds: float = 5.0,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Replace the random part of the plan (the queue is kept) and restart its draw.

        :param methods: only requests with these HTTP methods are drawn for (None: all),
            e.g. ``["GET"]`` to fault status checks but never a create.
        """
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
            raise FaultConfigError("rate must be a number from 0.0 to 1.0")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise FaultConfigError("seed must be an integer")
        chosen = _kinds(FAULT_KINDS if kinds is None else kinds, allow_empty=rate == 0)
        after = _seconds("retry_after", retry_after)
        slow = _seconds("slow_seconds", slow_seconds)
        only = _methods(methods)
        # Assigned only once everything is checked, so a bad setting changes nothing.
        self.rate = float(rate)
        self.seed = seed
        self.kinds = chosen
        self.retry_after = after
        self.slow_seconds = slow
        self.methods = only
        self._rng = random.Random(seed)

    def enqueue(
        self, kinds: Iterable[str], retry_after: float | None = None, slow_seconds: float | None = None
    ) -> None:
        """Replace the queue: the next API requests get ``kinds``, one each, in order."""
        chosen = _kinds(kinds, allow_empty=True, also=(NO_FAULT,))
        after = self.retry_after if retry_after is None else _seconds("retry_after", retry_after)
        slow = self.slow_seconds if slow_seconds is None else _seconds("slow_seconds", slow_seconds)
        self._queue = deque(Fault(kind, after, slow) for kind in chosen)

    def draw(self, method: str = "GET") -> Fault | None:
        """The fault for the request being handled now (sent with ``method``), if any."""
        if self._queue:
            fault = self._queue.popleft()
            return None if fault.kind == NO_FAULT else fault
        if self.methods is not None and method.upper() not in self.methods:
            return None
        if self.rate and self._rng.random() < self.rate:
            return Fault(self._rng.choice(self.kinds), self.retry_after, self.slow_seconds)
        return None

    def describe(self) -> dict[str, Any]:
        """The plan as JSON, for the admin API."""
        return {
            "rate": self.rate,
            "seed": self.seed,
            "kinds": list(self.kinds),
            "retry_after": self.retry_after,
            "slow_seconds": self.slow_seconds,
            "methods": None if self.methods is None else sorted(self.methods),
            "queued": [fault.kind for fault in self._queue],
        }

    def configure_from_body(self, body: Mapping[str, Any]) -> None:
        """:meth:`configure` from the admin body ``{"rate", "seed", "kinds", ...}``."""
        _check_keys(body, ("rate", "seed", "kinds", "retry_after", "slow_seconds", "methods"))
        self.configure(**body)

    def enqueue_from_body(self, body: Mapping[str, Any]) -> None:
        """:meth:`enqueue` from the admin body ``{"kinds": [...], "retry_after"?, "slow_seconds"?}``."""
        _check_keys(body, ("kinds", "retry_after", "slow_seconds"))
        if "kinds" not in body:
            raise FaultConfigError("kinds is required")
        self.enqueue(body["kinds"], body.get("retry_after"), body.get("slow_seconds"))


def _kinds(value: Iterable[str], *, allow_empty: bool, also: tuple[str, ...] = ()) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise FaultConfigError("kinds must be a list of fault kinds")
    # JSON writers tend to send 429 as a number; the kinds are strings.
    kinds = tuple(
        str(kind) if isinstance(kind, int) and not isinstance(kind, bool) else kind for kind in value
    )
    known = (*FAULT_KINDS, *also)
    unknown = [kind for kind in kinds if kind not in known]
    if unknown:
        raise FaultConfigError(f"unknown fault kind(s) {unknown}; known: {', '.join(known)}")
    if not kinds and not allow_empty:
        raise FaultConfigError("kinds must not be empty when rate is above 0")
    return kinds


def _methods(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise FaultConfigError("methods must be a list of HTTP methods")
    methods = frozenset(str(method).upper() for method in value)
    unknown = sorted(methods - {"GET", "POST", "PUT", "PATCH", "DELETE"})
    if unknown or not methods:
        raise FaultConfigError(f"methods must be HTTP methods (GET, POST, ...), got {sorted(methods)}")
    return methods


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise FaultConfigError(f"{name} must be a non-negative number of seconds")
    return float(value)


def _check_keys(body: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise FaultConfigError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
