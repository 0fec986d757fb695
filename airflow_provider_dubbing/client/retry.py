"""When to try a request again and how long to wait first: pure functions, no I/O.

Retried: connection errors, timeouts, 429, 5xx and 2xx bodies that are not JSON, for
calls that are safe to repeat. A call that creates something is retried only when the
request surely never reached the server, so a retry can never start a second paid job.
Waits honour ``Retry-After`` (seconds or an HTTP date, and ``retry-after-ms``) up to a
ceiling; otherwise capped exponential backoff with jitter.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    ApiStatusError,
    DubbingError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently one call is retried inside the client.

    :param max_retries: retries after the first attempt (0 disables retrying).
    :param initial_delay_s: the first backoff wait, doubled at each retry.
    :param max_delay_s: the cap of the computed backoff.
    :param max_retry_after_s: the most we wait when the service asks for longer.
    :param jitter: the fraction of each backoff wait that is randomised (0 to 1).
    """

    max_retries: int = 3
    initial_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within 0..1, got {self.jitter}")

    def should_retry(self, error: BaseException, *, idempotent: bool) -> bool:
        """Whether ``error`` is worth another attempt of a call of this kind."""
        return is_transient(error) and (idempotent or not was_received(error))

    def delay_s(
        self, retry_number: int, error: BaseException, rand: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        asked = asked_wait_s(error, self.max_retry_after_s)
        if asked is not None:
            return asked
        return backoff_s(retry_number, self.initial_delay_s, self.max_delay_s, self.jitter, rand)

    def next_retry_s(
        self,
        retry_number: int,
        error: BaseException,
        *,
        idempotent: bool,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """The wait before retry number ``retry_number`` after ``error``, or None to give up:
        the one decision both send loops follow."""
        if retry_number > self.max_retries or not self.should_retry(error, idempotent=idempotent):
            return None
        return self.delay_s(retry_number, error, rand)


def asked_wait_s(error: BaseException, cap_s: float) -> float | None:
    """The wait ``error``'s ``retry_after`` asks for, within 0..``cap_s``; None when it asks for none."""
    asked = getattr(error, "retry_after", None)
    if asked is None or not math.isfinite(asked):
        return None
    return min(max(float(asked), 0.0), cap_s)


def backoff_s(
    step: int, initial_s: float, cap_s: float, jitter: float, rand: Callable[[], float] = random.random
) -> float:
    """Capped exponential backoff: ``initial * 2**(step-1)`` up to ``cap``, less up to ``jitter`` of it.

    Jitter only shortens the wait, so the cap stays a true upper bound and waiters that
    started together drift apart.
    """
    base = min(cap_s, initial_s * 2.0 ** max(step - 1, 0))
    return base * (1 - jitter * rand())


def is_transient(error: BaseException) -> bool:
    """Whether the same request might succeed if sent again unchanged."""
    if isinstance(error, (RateLimitError, ServerError, ApiConnectionError, ResponseDecodeError)):
        return True
    if isinstance(error, ApiStatusError):
        return error.status_code == 408
    return False


def was_received(error: BaseException) -> bool:
    """Whether the server may have seen the request (anything but a failed connect)."""
    if isinstance(error, ApiConnectionError):
        return error.request_sent
    return isinstance(error, DubbingError)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the service asked us to wait, from ``retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be a number of seconds or an HTTP date; a date in the past means 0.
    Anything unreadable is ignored (None), never an error.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            asked_ms = float(millis)
        except ValueError:
            asked_ms = math.nan
        if math.isfinite(asked_ms):
            return max(asked_ms / 1000.0, 0.0)
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)
