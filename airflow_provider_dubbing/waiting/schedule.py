"""How a wait is paced and bounded: one schedule, built once, that travels whole.

The operators take its fields by these names; the sensors keep Airflow's own
(``poke_interval``, ``exponential_backoff``, ``max_wait``, ``timeout``) and build it from
them. The trigger receives it whole, as one kwarg, so every mode (poke, reschedule,
deferred, an operator waiting on its worker) waits alike. The default follows the
services' own advice: first wait 5 s, double each time, never more than 2 minutes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from airflow_provider_dubbing.client.retry import backoff_s


@dataclass(frozen=True, slots=True)
class WaitSchedule:
    """The waits between checks of one remote object, and the bounds of the whole wait.

    :param poll_interval_s: the first wait (and every wait when not exponential), in seconds.
    :param exponential_backoff: whether each wait doubles the one before.
    :param max_poll_interval_s: the cap of a doubled wait; None for no cap.
    :param wait_timeout_s: how long the whole wait may take; None for no limit.
    :param max_consecutive_failures: how many checks in a row may fail (connection errors,
        timeouts, 429, 5xx, answers that are not JSON, each after the client's own
        retries) before the wait ends.
    :param jitter: the fraction of each exponential wait that is randomised away (0 to 1),
        so waits started together drift apart; jitter never lengthens a wait.
    """

    poll_interval_s: float = 5.0
    exponential_backoff: bool = True
    max_poll_interval_s: float | None = 120.0
    wait_timeout_s: float | None = None
    max_consecutive_failures: int = 5
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not math.isfinite(self.poll_interval_s) or self.poll_interval_s < 0:
            raise ValueError(f"poll_interval_s must be a finite number >= 0, got {self.poll_interval_s}")
        if self.max_poll_interval_s is not None and not self.max_poll_interval_s >= 0:
            raise ValueError(f"max_poll_interval_s must be >= 0, got {self.max_poll_interval_s}")
        if self.wait_timeout_s is not None and not self.wait_timeout_s >= 0:
            raise ValueError(f"wait_timeout_s must be >= 0 (or None), got {self.wait_timeout_s}")
        if self.max_consecutive_failures < 1:
            raise ValueError(
                f"max_consecutive_failures must be at least 1, got {self.max_consecutive_failures}"
            )
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within 0..1, got {self.jitter}")

    def to_kwargs(self) -> dict[str, Any]:
        """The JSON-safe dict a trigger serialises; :meth:`of` reads it back."""
        return asdict(self)

    @classmethod
    def of(cls, value: WaitSchedule | dict[str, Any] | None) -> WaitSchedule:
        """A schedule from itself, from :meth:`to_kwargs`' dict, or the default for None."""
        if isinstance(value, WaitSchedule):
            return value
        return cls(**(value or {}))

    def nominal_s(self, checks_made: int) -> float:
        """The wait after check number ``checks_made`` (1-based), before jitter."""
        if not self.exponential_backoff:
            return self.poll_interval_s
        cap = math.inf if self.max_poll_interval_s is None else self.max_poll_interval_s
        # The exponent is bounded so a sensor that has waited for weeks cannot overflow.
        return min(cap, self.poll_interval_s * 2.0 ** min(max(checks_made - 1, 0), 60))

    def delay_s(self, checks_made: int, rand: Callable[[], float] = random.random) -> float:
        """The wait after check number ``checks_made``, jitter included."""
        nominal = self.nominal_s(checks_made)
        if not self.exponential_backoff or nominal == 0:
            return nominal
        cap = math.inf if self.max_poll_interval_s is None else self.max_poll_interval_s
        return backoff_s(1, nominal, cap, self.jitter, rand)

    def retry_after_cap_s(self, client_cap_s: float) -> float:
        """The longest ``Retry-After`` a wait honours: the client's own cap, or this
        schedule's longest wait when that is longer."""
        return max(client_cap_s, self.max_poll_interval_s or 0.0)

    def checks_made_after(self, elapsed_s: float) -> int:
        """How many checks fit in ``elapsed_s`` seconds of waiting at the nominal waits.

        Reschedule mode forgets everything between checks but the time it started, so it
        finds its place in the schedule from the elapsed time alone.
        """
        if elapsed_s <= 0 or self.nominal_s(1) == 0:
            return 1
        checks, waited = 1, 0.0
        while checks < 10_000:
            waited += self.nominal_s(checks)
            if waited > elapsed_s:
                break
            checks += 1
        return checks


def seconds(value: timedelta | float | None, name: str) -> float | None:
    """``value`` (seconds or a timedelta) as positive seconds, None kept; else a
    ValueError naming ``name``."""
    if value is None:
        return None
    result = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if not result > 0:
        raise ValueError(f"{name} must be positive (or None), got {value!r}")
    return result
