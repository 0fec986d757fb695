"""What both dubbing sensors share: one check, one schedule, one way to fail, in every mode.

``poke`` and ``reschedule`` run Airflow's own sensor loop around :meth:`DubbingSensor.poke`,
which hands each check to the wait engine (:func:`.waiting.engine.step`); deferrable mode
checks once the same way, then hands the rest of the wait to a trigger, which drives the
same engine. A status means the same thing, and fails the same way
(:mod:`.tasks.failures`), whichever mode runs it. A deferred wait's deadline is bounded by
the task's ``execution_timeout`` as a wait on the worker is.
"""

from __future__ import annotations

import random
import time
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing._compat import (
    AIRFLOW_V_3_1_PLUS,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    BaseSensorOperator,
    PokeReturnValue,
    StartTriggerArgs,
)
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.hooks.base import StatusCheck
from airflow_provider_dubbing.tasks.base import (
    DEFER_TIMEOUT_GRACE_S,
    DubbingTaskMixin,
    default_deferrable,
    read_wait_event,
)
from airflow_provider_dubbing.tasks.failures import DubbingServiceUnavailable, failure_for
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from airflow_provider_dubbing.waiting.engine import Wait, WaitState, emit, step
from airflow_provider_dubbing.waiting.events import WaitEvent
from airflow_provider_dubbing.waiting.schedule import WaitSchedule


class DubbingSensor(DubbingTaskMixin, BaseSensorOperator):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the dubbing sensors. A subclass names its object (``noun``, ``object_id``),
    builds its check and its trigger.

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
        every Airflow line. Airflow's ``execution_timeout``, when it ends sooner, bounds a
        deferred wait too, as it bounds poke mode: the trigger ends at the task's start
        plus ``execution_timeout`` and the task fails with ``AirflowTaskTimeout`` (retried;
        skipped with ``soft_fail``).

    These are Airflow's own sensor names; the sensor turns them into the one
    :class:`.WaitSchedule` (``poll_interval_s``, ``exponential_backoff``,
    ``max_poll_interval_s``, ``wait_timeout_s``, ``max_consecutive_failures``) the
    operators and the triggers take.

    Killed while it checks on a worker, the sensor logs one warning: the object keeps
    running on the service (neither API documents a way to cancel it). A mapped instance
    is labelled by its id unless the DAG sets its own ``map_index_template``.
    """

    # How reschedule mode waits between failed checks within one poke.
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
        if max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be at least 1, got {max_consecutive_failures}")
        self.deferrable = default_deferrable(deferrable)
        self.max_consecutive_failures = max_consecutive_failures
        self._state = WaitState()
        self._next_wait_s = 0.0
        self._check: StatusCheck[Any] | None = None
        self._wait: Wait | None = None
        if start_from_trigger:
            self._start_from_trigger()

    @abstractmethod
    def status_check(self) -> StatusCheck[Any]:
        """The check of the object (through ``self.hook``), built once per task run."""

    @abstractmethod
    def make_trigger(self, **wait: Any) -> DubbingWaitTrigger[Any]:
        """The trigger that continues this sensor's wait; ``wait`` holds the schedule,
        deadline and state (:class:`.DubbingWaitTrigger`'s own kwargs)."""

    @property
    def schedule(self) -> WaitSchedule:
        """The wait's schedule, from Airflow's sensor arguments."""
        # Falsy means no cap, as in Airflow's own formula (max_wait=0 is not "never wait").
        max_wait = self.max_wait.total_seconds() if self.max_wait else None
        return WaitSchedule(
            poll_interval_s=float(self.poke_interval),
            exponential_backoff=bool(self.exponential_backoff),
            max_poll_interval_s=max_wait,
            wait_timeout_s=float(self.timeout),
            max_consecutive_failures=self.max_consecutive_failures,
        )

    @property
    def map_index_label(self) -> str:
        """A mapped instance's label: the id it waits on."""
        return self.object_id

    def execute(self, context: Any) -> Any:
        """Wait for the object; return its JSON-safe dict once it succeeded."""
        self.label_map_index(context)
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
        limit = self.wait_limit(context, began=started, wait_timeout_s=float(self.timeout))
        self.defer(
            trigger=self.make_trigger(schedule=self.schedule, deadline=limit.deadline, state=self._state),
            method_name="execute_complete",
            timeout=limit.defer_timeout,
        )

    def poke(self, context: Any) -> PokeReturnValue | bool:
        """One check: done with the object's dict, not yet, or an exception that fails the task."""
        # Built at the first check, once the templates are rendered; kept for the later ones.
        if self._wait is None:
            self._wait = Wait(
                self.noun, self.object_id, self.conn_id, self.schedule, None, self._retry_after_cap_s()
            )
        wait = self._wait
        while True:
            outcome: Any
            try:
                if self._check is None:
                    self._check = self.status_check()  # refuses a bad id before any request
                outcome = self._check.check()
            except DubbingError as exc:
                outcome = exc
            done = step(wait, self._state, outcome, now=time.time(), rand=random.random())
            self._state = done.state
            emit(self.log, done)
            if done.event is not None:
                return self._ended(done.event)
            self._next_wait_s = done.wait_s
            if not isinstance(outcome, DubbingError) or not self.reschedule:
                return False
            # Reschedule mode forgets everything between checks, so it counts failed
            # checks within this one, waiting as the schedule says (worker slot held).
            self._sleep(done.wait_s)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Act on the trigger's event: return the object's dict, or fail as poke mode would."""
        self.label_map_index(context)
        payload = read_wait_event(event, self.what)
        if payload.succeeded:
            # The trigger already logged the final status; this is the worker's side of it.
            self.log.info("resumed after %d checks in the triggerer", payload.checks)
        try:
            timed_out = self.execution_timed_out(context, payload, wait_timeout_s=float(self.timeout))
            if timed_out is not None:
                raise timed_out
            return self._ended(payload).xcom_value
        except (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowTaskTimeout,
            DubbingServiceUnavailable,
        ) as exc:
            # Airflow 2's resume_execution knows soft_fail only; poke mode also skips on never_fail.
            self._raise_softened(exc)

    def on_kill(self) -> None:
        """Warn, once, that the object keeps running on the service: nothing can cancel it."""
        self.log.warning(
            "the task was ended while waiting: %s. Clearing the task waits on it again",
            self.left_running_warning(self.object_id),
        )

    def _ended(self, event: WaitEvent) -> PokeReturnValue:
        if event.succeeded:
            return PokeReturnValue(is_done=True, xcom_value=event.result)
        raise failure_for(event, service=self.service_name, timeout=AirflowSensorTimeout)

    def _retry_after_cap_s(self) -> float:
        return self.schedule.retry_after_cap_s(self.hook.retry.max_retry_after_s)  # type: ignore[attr-defined,unused-ignore]

    def _get_next_poke_interval(
        self,
        started_at: datetime | float,
        run_duration: Callable[[], float],
        poke_count: int,
    ) -> float:
        # Airflow's own formula starts at half the interval and hashes its jitter; ours is
        # the engine's, which the trigger follows too, so every mode waits alike. Reschedule
        # mode forgets its checks, so it finds its place in the schedule from the time spent.
        elapsed = run_duration()
        if self.reschedule:
            wait = self.schedule.delay_s(self.schedule.checks_made_after(elapsed))
        else:
            wait = self._next_wait_s
        return max(0.0, min(wait, float(self.timeout) - elapsed))

    def _timed_out_message(self) -> str:
        return f"timed out waiting for {self.what}: still {self._state.last_status or 'unchecked'}"

    def _raise_softened(self, exc: BaseException) -> None:
        # The conversions Airflow's own sensor loop applies in poke mode: soft_fail skips a
        # final failure or a timeout (the sensor's own or execution_timeout), never_fail
        # skips anything.
        skipped = (AirflowFailException, AirflowSensorTimeout, AirflowTaskTimeout)
        if self.soft_fail and isinstance(exc, skipped):
            raise AirflowSkipException(f"Skipping due to soft_fail: {exc}") from exc
        if getattr(self, "never_fail", False):
            raise AirflowSkipException(f"Skipping due to never_fail: {exc}") from exc
        raise exc

    def _start_from_trigger(self) -> None:
        if not self.deferrable:
            raise ValueError("start_from_trigger=True needs deferrable=True")
        # No worker start to count from: execution_timeout bounds the wait from when the
        # trigger starts, as the sensor's own timeout does.
        wait_timeout_s = float(self.timeout)
        if self.execution_timeout:
            wait_timeout_s = min(wait_timeout_s, self.execution_timeout.total_seconds())
        trigger = self.make_trigger(schedule=replace(self.schedule, wait_timeout_s=wait_timeout_s))
        classpath, trigger_kwargs = trigger.serialize()
        for name, value in trigger.object_kwargs().items():
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
        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls=classpath,
            trigger_kwargs=trigger_kwargs,
            next_method="execute_complete",
            next_kwargs=None,
            timeout=timedelta(seconds=wait_timeout_s + DEFER_TIMEOUT_GRACE_S),
        )
