"""The wait loop both dubbing triggers share: check, log a status change once, back off, repeat.

A subclass says only how to check its object (one hook call and its API's ``outcomes``
module); the schedule, the tolerance of failed checks, the deadline and the event are
decided here, once.
"""

from __future__ import annotations

import asyncio
import random
import time
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from airflow_provider_dubbing._compat import BaseTrigger, TriggerEvent
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.client.outcome import Verdict, judge_failed_check
from airflow_provider_dubbing.client.polling import PollSchedule
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.client.timeouts import within
from airflow_provider_dubbing.triggers.events import WaitEvent
from airflow_provider_dubbing.triggers.naming import NamesRemoteObject

# How far past the deadline a check already under way may run before it is abandoned.
CHECK_GRACE_S = 30.0


class DubbingWaitTrigger(NamesRemoteObject, BaseTrigger):
    """Polls one remote object until it is final, the deadline passes, or checks keep failing.

    Every argument is a JSON value, and none is a secret: the credentials are read from
    the connection inside :meth:`run`. A subclass names its object with ``noun`` and
    ``object_kwarg_names`` (its own ``__init__`` kwargs, id first, connection id last).

    :param poke_interval_s: the first wait between checks, in seconds.
    :param exponential_backoff: whether each wait doubles the one before.
    :param max_wait_s: the cap of a doubled wait, in seconds (None: no cap).
    :param deadline: when to give up, as a Unix timestamp (None: never). Absolute, so a
        trigger restarted on another triggerer keeps the same deadline.
    :param timeout_s: used only without ``deadline`` (a task started straight in the
        triggerer): give up this many seconds after :meth:`run` starts.
    :param checks_made: checks already made before this trigger started; when above 0 the
        first check waits its turn in the schedule instead of happening at once.
    :param max_consecutive_failures: how many checks in a row may fail (connection errors,
        timeouts, 429, 5xx, answers that are not JSON, each after the client's own retries)
        before the wait ends with an error event.
    :param last_status: the status the task already logged, so it is not logged twice.
    :param consecutive_failures: failed checks in a row the task already made, so the bound
        counts them too.
    """

    # Injection points for tests. Wall-clock time, not monotonic: the deadline is an
    # absolute timestamp shared across processes.
    _now: Callable[[], float] = staticmethod(time.time)
    _sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)
    _rand: Callable[[], float] = staticmethod(random.random)
    _retry: RetryPolicy | None = None

    def __init__(
        self,
        *,
        poke_interval_s: float = 5.0,
        exponential_backoff: bool = True,
        max_wait_s: float | None = 120.0,
        deadline: float | None = None,
        timeout_s: float | None = None,
        checks_made: int = 0,
        max_consecutive_failures: int = 5,
        last_status: str | None = None,
        consecutive_failures: int = 0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call,unused-ignore]  # unannotated in Airflow
        if max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be at least 1, got {max_consecutive_failures}")
        self.schedule = PollSchedule(
            interval_s=float(poke_interval_s), exponential=exponential_backoff, max_interval_s=max_wait_s
        )
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.checks_made = checks_made
        self.max_consecutive_failures = max_consecutive_failures
        self.last_status = last_status
        self.consecutive_failures = consecutive_failures

    @abstractmethod
    async def acheck(self) -> Verdict:
        """Check the object once; raises a :class:`DubbingError` when the check fails."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and the JSON kwargs that rebuild an equal trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.object_kwargs(),
                "poke_interval_s": self.schedule.interval_s,
                "exponential_backoff": self.schedule.exponential,
                "max_wait_s": self.schedule.max_interval_s,
                "deadline": self.deadline,
                "timeout_s": self.timeout_s,
                "checks_made": self.checks_made,
                "max_consecutive_failures": self.max_consecutive_failures,
                "last_status": self.last_status,
                "consecutive_failures": self.consecutive_failures,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait, then yield exactly one :class:`WaitEvent` payload; never raises.

        (On Airflow 2, ``dag.test()`` loops forever on a trigger that raises.)
        """
        yield TriggerEvent(await self._event())

    def wait_here(self) -> dict[str, Any]:
        """The same wait, run to its end on the calling thread; returns the event payload.

        For a task that waits without deferring: the worker follows the schedule, the
        deadline and the failed-check bound exactly as the triggerer would.
        """
        return asyncio.run(self._event())

    async def _event(self) -> dict[str, Any]:
        try:
            event = await self._wait()
        except Exception as exc:  # anything unforeseen still ends as a typed event the task can read
            self.log.exception("waiting on %s broke unexpectedly", self.what)
            event = WaitEvent(
                status="error",
                message=f"waiting on {self.what} broke unexpectedly: {type(exc).__name__}: {exc}",
                object_id=self.object_id,
            )
        return event.to_payload()

    async def _wait(self) -> WaitEvent:
        deadline = self.deadline
        if deadline is None and self.timeout_s is not None:
            deadline = self._now() + self.timeout_s
        checks, failures, last_status = self.checks_made, self.consecutive_failures, self.last_status
        if checks > 0:
            await self._pause(self.schedule.delay_s(checks, self._rand), deadline)
        while True:
            try:
                verdict = await self._bounded_check(deadline)
            except asyncio.TimeoutError:
                # A check that outlives the deadline must not outlive Airflow's own deferral
                # timeout too: that one is retried on Airflow 2, ours is final everywhere.
                return WaitEvent(
                    status="timeout",
                    message=(
                        f"timed out waiting for {self.what}: the last check was still unanswered "
                        f"{CHECK_GRACE_S:.0f} s after the deadline; last status {last_status or 'unknown'}"
                    ),
                    object_id=self.object_id,
                    remote_status=last_status,
                    checks=checks,
                )
            except DubbingError as exc:
                checks += 1
                failed = judge_failed_check(
                    exc,
                    failures_before=failures,
                    max_failures=self.max_consecutive_failures,
                    conn_id=self.conn_id,
                    what=self.what,
                    max_retry_after_s=self.schedule.retry_after_cap_s(
                        (self._retry or RetryPolicy()).max_retry_after_s
                    ),
                )
                failures = failed.failures
                if failed.kind != "passing":
                    return WaitEvent(
                        status="refused" if failed.kind == "refused" else "error",
                        message=failed.message,
                        object_id=self.object_id,
                        remote_status=last_status,
                        status_code=failed.http_status,
                        checks=checks,
                    )
                wait = max(self.schedule.delay_s(checks, self._rand), failed.retry_after_s)
                wait = self._bounded(wait, deadline)
                self.log.warning("%s; next check in %.0f s", failed.message, wait)
            else:
                checks += 1
                failures = 0
                if verdict.is_final:
                    self._log_change(verdict, last_status, None)
                    return WaitEvent.for_verdict(verdict, object_id=self.object_id, checks=checks)
                wait = self._bounded(self.schedule.delay_s(checks, self._rand), deadline)
                self._log_change(verdict, last_status, wait)
                last_status = verdict.status
            if deadline is not None and self._now() >= deadline:
                return WaitEvent(
                    status="timeout",
                    message=(
                        f"timed out waiting for {self.what}: still {last_status or 'unchecked'} "
                        f"after {checks} checks"
                    ),
                    object_id=self.object_id,
                    remote_status=last_status,
                    checks=checks,
                )
            await self._sleep(wait)

    async def _bounded_check(self, deadline: float | None) -> Verdict:
        if deadline is None:
            return await self.acheck()
        return await within(self.acheck(), max(deadline - self._now(), 0.0) + CHECK_GRACE_S)

    def _bounded(self, wait: float, deadline: float | None) -> float:
        # Never sleep past the deadline: one last check happens there, as in poke mode.
        if deadline is None:
            return wait
        return max(0.0, min(wait, deadline - self._now()))

    async def _pause(self, wait: float, deadline: float | None) -> None:
        await self._sleep(self._bounded(wait, deadline))

    def _log_change(self, verdict: Verdict, last_status: str | None, wait: float | None) -> None:
        if verdict.status != last_status:
            (self.log.warning if verdict.is_worrying else self.log.info)("%s", verdict.announcement(wait))
