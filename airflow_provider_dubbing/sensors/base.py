"""What both dubbing sensors share: one check, one schedule, one way to fail, in every mode.

``poke`` and ``reschedule`` run Airflow's own sensor loop around :meth:`DubbingSensor.poke`;
deferrable mode checks once, then hands the same wait to a trigger. Both ask the same
:class:`~airflow_provider_dubbing.client.polling.PollSchedule`, the same API ``outcomes``
module and the same :mod:`~airflow_provider_dubbing.task_failures`, so a status means
the same thing, and fails the same way, whichever mode runs it.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing._compat import (
    AIRFLOW_V_3_1_PLUS,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    StartTriggerArgs,
)
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.client.outcome import Phase, Verdict, judge_failed_check
from airflow_provider_dubbing.client.polling import PollSchedule
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.task_failures import (
    DubbingRequestRefused,
    DubbingServiceUnavailable,
    failure_for,
    failure_for_event,
)
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from airflow_provider_dubbing.waiting import (
    DEFER_TIMEOUT_GRACE_S,
    DubbingTaskMixin,
    build_trigger,
    read_wait_event,
)


class DubbingSensor(DubbingTaskMixin, BaseSensorOperator):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the dubbing sensors. A subclass sets ``trigger_class``: the trigger's
    ``object_kwarg_names`` are the sensor's attributes too, and its ``noun`` names the object.

    :param deferrable: wait in the triggerer, without a worker slot. Defaults to
        Airflow's ``[operators] default_deferrable``.
    :param start_from_trigger: go straight to the triggerer without a worker where
        Airflow supports it (2.10-3.0 and 3.3+); ``execute()`` defers the same trigger
        otherwise. Needs ``deferrable``, and ids known when the DAG is parsed (templated
        ids only on Airflow 3.3+).
    :param poke_interval: the first wait between checks, in seconds (default 5).
    :param exponential_backoff: double each wait (default True), in every mode.
    :param max_wait: the cap of a doubled wait, in seconds or a timedelta (default 2 minutes;
        0 or None: no cap).
    :param max_consecutive_failures: how many checks in a row may fail (connection
        errors, timeouts, 429, 5xx, answers that are not JSON, each after the client's own
        retries) before the task fails with :class:`.DubbingServiceUnavailable` and its
        own ``retries`` take over. Reschedule mode keeps no memory between checks, so
        there the failed checks are counted, and waited between, within one check.
    :param timeout: how long to wait in all, in seconds (Airflow's sensor timeout); in
        deferrable mode the trigger enforces it itself, so it fails without retries on
        every Airflow line.
    """

    # Injection point for tests: how reschedule mode waits between failed checks in one poke.
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(
        self,
        *,
        deferrable: bool | None = None,
        start_from_trigger: bool = False,
        poke_interval: timedelta | float = 5.0,
        exponential_backoff: bool = True,
        max_wait: timedelta | float | None = 120.0,
        max_consecutive_failures: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            poke_interval=poke_interval,
            exponential_backoff=exponential_backoff,
            max_wait=max_wait,
            **kwargs,
        )
        self._set_wait_options(deferrable, max_consecutive_failures)
        self._failures = 0
        self._retry_after_s = 0.0
        self._last_status: str | None = None
        self._unannounced: Verdict | None = None
        if start_from_trigger:
            self._start_from_trigger()

    @abstractmethod
    def check(self) -> Verdict:
        """Check the object once; raises a :class:`DubbingError` when the check fails."""

    @property
    def schedule(self) -> PollSchedule:
        """The waits between checks, from ``poke_interval``, ``exponential_backoff`` and ``max_wait``."""
        # Falsy means no cap, as in Airflow's own formula (max_wait=0 is not "never wait").
        max_wait = self.max_wait.total_seconds() if self.max_wait else None
        return PollSchedule(float(self.poke_interval), bool(self.exponential_backoff), max_wait)

    def make_trigger(self, **wait: Any) -> DubbingWaitTrigger:
        """The trigger that continues this sensor's wait; ``wait`` adds deadline and progress."""
        return build_trigger(
            self.trigger_class,
            self.object_kwargs(),
            self.schedule,
            max_consecutive_failures=self.max_consecutive_failures,
            **wait,
        )

    def execute(self, context: Any) -> Any:
        """Wait for the object; return its JSON-safe dict once it succeeded."""
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as exc:
                # Airflow's words name neither the object nor its last status.
                raise AirflowSensorTimeout(f"{self._timed_out_message()} ({exc})") from None
        started = time.time()
        try:
            done = self.poke(context)
        except (AirflowFailException, AirflowSensorTimeout, DubbingServiceUnavailable) as exc:
            self._raise_softened(exc)
        if done:
            return done.xcom_value if isinstance(done, PokeReturnValue) else None
        self._announce(self.schedule.nominal_s(1))
        self.defer(
            trigger=self.make_trigger(
                deadline=started + self.timeout,
                checks_made=1,
                last_status=self._last_status,
                consecutive_failures=self._failures,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout + DEFER_TIMEOUT_GRACE_S),
        )

    def poke(self, context: Any) -> PokeReturnValue | bool:
        """One check: done with the object's dict, not yet, or an exception that fails the task."""
        while True:
            try:
                verdict = self.check()
                break
            except DubbingError as exc:
                self._after_failed_check(exc)
                if not self.reschedule:
                    return False
                # Reschedule mode forgets everything between checks, so it counts failed
                # checks within this one, waiting as the schedule says (worker slot held).
                self._sleep(max(self.schedule.delay_s(self._failures), self._retry_after_s))
        self._failures = 0
        self._retry_after_s = 0.0
        if verdict.status != self._last_status:
            self._unannounced = verdict
            self._last_status = verdict.status
        if verdict.phase is Phase.SUCCEEDED:
            self._announce(None)
            return PokeReturnValue(is_done=True, xcom_value=verdict.result)
        if verdict.phase is Phase.FAILED and verdict.error is not None:
            self._announce(None)
            raise failure_for(verdict.error)
        return False

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Act on the trigger's event: return the object's dict, or fail as poke mode would."""
        try:
            return self._complete(event)
        except (AirflowFailException, AirflowSensorTimeout, DubbingServiceUnavailable) as exc:
            # Airflow 2's resume_execution knows soft_fail only; poke mode also skips on never_fail.
            self._raise_softened(exc)

    def _complete(self, event: dict[str, Any] | None) -> Any:
        payload = read_wait_event(event, self.what)
        if payload.status == "success":
            # The trigger already logged the final status; this is the worker's side of it.
            self.log.info("resumed after %d checks in the triggerer", payload.checks)
            return payload.result
        raise failure_for_event(payload, service=self.service_name, timeout=AirflowSensorTimeout)

    def _get_next_poke_interval(
        self,
        started_at: datetime | float,
        run_duration: Callable[[], float],
        poke_count: int,
    ) -> float:
        # Airflow's own formula starts at half the interval and hashes its jitter; ours is
        # the schedule the trigger follows too, so every mode waits alike.
        elapsed = run_duration()
        checks = self.schedule.checks_made_after(elapsed) if self.reschedule else poke_count
        wait = max(self.schedule.delay_s(checks), self._retry_after_s)
        wait = max(0.0, min(wait, float(self.timeout) - elapsed))
        self._announce(wait)
        return wait

    def _timed_out_message(self) -> str:
        return f"timed out waiting for {self.what}: still {self._last_status or 'unchecked'}"

    def _after_failed_check(self, exc: DubbingError) -> None:
        failed = judge_failed_check(
            exc,
            failures_before=self._failures,
            max_failures=self.max_consecutive_failures,
            conn_id=self.conn_id,
            what=self.what,
            max_retry_after_s=self.schedule.retry_after_cap_s(RetryPolicy().max_retry_after_s),
        )
        self._failures = failed.failures
        if failed.kind == "refused":
            raise DubbingRequestRefused(failed.message, http_status=failed.http_status) from exc
        if failed.kind == "gave_up":
            raise DubbingServiceUnavailable(failed.message) from exc
        self._retry_after_s = failed.retry_after_s
        self.log.warning("%s", failed.message)

    def _announce(self, next_wait_s: float | None) -> None:
        """Log the latest status once, when it changed, with the wait that follows."""
        verdict, self._unannounced = self._unannounced, None
        if verdict is not None:
            (self.log.warning if verdict.is_worrying else self.log.info)(
                "%s", verdict.announcement(next_wait_s)
            )

    def _raise_softened(self, exc: BaseException) -> None:
        # The conversions Airflow's own sensor loop applies in poke mode: soft_fail skips a
        # final failure or a timeout, never_fail skips anything.
        if self.soft_fail and isinstance(exc, (AirflowFailException, AirflowSensorTimeout)):
            raise AirflowSkipException(f"Skipping due to soft_fail: {exc}") from exc
        if getattr(self, "never_fail", False):
            raise AirflowSkipException(f"Skipping due to never_fail: {exc}") from exc
        raise exc

    def _start_from_trigger(self) -> None:
        if not self.deferrable:
            raise ValueError("start_from_trigger=True needs deferrable=True")
        kwargs = self.object_kwargs()
        for name, value in kwargs.items():
            if value is not None and not isinstance(value, (str, int)):
                raise ValueError(
                    f"start_from_trigger=True needs {name} known when the DAG is parsed; got "
                    f"{type(value).__name__} (pass an XCom through a Jinja template on Airflow 3.3+, "
                    "or leave start_from_trigger off)"
                )
            if isinstance(value, str) and "{{" in value and not AIRFLOW_V_3_1_PLUS:
                # Airflow 2.10-3.0 would hand the trigger the template itself, unrendered.
                # Starting on a worker instead still works; refusing would break a DAG that
                # works on 3.3 (or a mapped task, which Airflow builds again on the worker).
                self.log.warning(
                    "start_from_trigger is off for %s: this Airflow does not render the templated %s "
                    "before starting the trigger (3.3+ does); the task starts on a worker instead",
                    self.task_id,
                    name,
                )
                return
        trigger = self.make_trigger(timeout_s=self.timeout)
        classpath, trigger_kwargs = trigger.serialize()
        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls=classpath,
            trigger_kwargs=trigger_kwargs,
            next_method="execute_complete",
            next_kwargs=None,
            timeout=timedelta(seconds=self.timeout + DEFER_TIMEOUT_GRACE_S),
        )
