"""How long to wait between two status checks of a long-running job: one pure schedule.

The sensor in poke and reschedule mode and the trigger in the triggerer all ask this
schedule, so Airflow's ``poke_interval``, ``exponential_backoff`` and ``max_wait`` mean
the same thing in every mode. The default follows the services' own advice: first wait
5 s, double each time, never more than 2 minutes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_dubbing.client.retry import backoff_s


@dataclass(frozen=True)
class PollSchedule:
    """The waits between checks: ``interval_s``, then doubling up to ``max_interval_s`` when exponential.

    :param interval_s: the first wait (and every wait when not exponential), in seconds.
    :param exponential: whether each wait doubles the one before.
    :param max_interval_s: the cap of a doubled wait; None for no cap.
    :param jitter: the fraction of each exponential wait that is randomised away (0 to 1),
        so sensors started together drift apart; jitter never lengthens a wait.
    """

    interval_s: float = 5.0
    exponential: bool = True
    max_interval_s: float | None = 120.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not math.isfinite(self.interval_s) or self.interval_s < 0:
            raise ValueError(f"interval_s must be a finite number >= 0, got {self.interval_s}")
        if self.max_interval_s is not None and not self.max_interval_s >= 0:
            raise ValueError(f"max_interval_s must be >= 0, got {self.max_interval_s}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within 0..1, got {self.jitter}")

    def nominal_s(self, checks_made: int) -> float:
        """The wait after check number ``checks_made`` (1-based), before jitter."""
        if not self.exponential:
            return self.interval_s
        cap = math.inf if self.max_interval_s is None else self.max_interval_s
        # The exponent is bounded so a sensor that has waited for weeks cannot overflow.
        return min(cap, self.interval_s * 2.0 ** min(max(checks_made - 1, 0), 60))

    def delay_s(self, checks_made: int, rand: Callable[[], float] = random.random) -> float:
        """The wait after check number ``checks_made``, jitter included."""
        nominal = self.nominal_s(checks_made)
        if not self.exponential or nominal == 0:
            return nominal
        cap = math.inf if self.max_interval_s is None else self.max_interval_s
        return backoff_s(1, nominal, cap, self.jitter, rand)

    def retry_after_cap_s(self, client_cap_s: float) -> float:
        """The longest ``Retry-After`` a wait honours: the client's own cap, or this
        schedule's longest wait when that is longer."""
        return max(client_cap_s, self.max_interval_s or 0.0)

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
