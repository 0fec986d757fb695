"""What the dubbing operators share: reading an object once, and starting work then waiting on it.

A start operator records the id it started (:mod:`.started_work`) before it waits, so a
retry reattaches to running or finished work instead of paying for it twice. Its wait is
the sensors' trigger, deferred to the triggerer or run on the worker, so every mode
follows the same schedule, deadline (bounded by ``execution_timeout`` too) and
failed-check bound. Killed, it leaves the work running (neither API can cancel it) and
says so.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from datetime import timedelta
from typing import Any, ClassVar

from airflow_provider_dubbing._compat import BaseOperator
from airflow_provider_dubbing.client.errors import DubbingError, InvalidInputError, NotFoundError
from airflow_provider_dubbing.operators.started_work import StartedWork
from airflow_provider_dubbing.tasks.base import (
    DubbingTaskMixin,
    default_deferrable,
    read_wait_event,
)
from airflow_provider_dubbing.tasks.failures import (
    DubbingWaitTimeout,
    failure_for,
    failure_for_call,
    failure_for_verdict,
)
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from airflow_provider_dubbing.waiting.engine import WaitState, final_event
from airflow_provider_dubbing.waiting.events import FailureKind
from airflow_provider_dubbing.waiting.schedule import WaitSchedule, seconds
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict


class DubbingReadOperator(DubbingTaskMixin, BaseOperator):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the operators that read one object once and return it as a JSON-safe dict.

    :param fail_on_failure: fail the task when the object's status is a final failure
        (the outcome table of the sensors; no retries), as a sensor would. False returns
        the dict whatever the status, for callers who only want to read it.
    """

    def __init__(self, *, fail_on_failure: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_on_failure = fail_on_failure

    @abstractmethod
    def check(self) -> Verdict:
        """Read the object once; raises a :class:`DubbingError` when the request fails."""

    def publish(self, context: Any) -> None:
        """Push what the task's extra links need (nothing by default)."""

    def execute(self, context: Any) -> Any:
        """Read the object; return its dict, or fail on a final failure status."""
        try:
            verdict = self.check()
        except DubbingError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what=self.what) from exc
        self.publish(context)
        (self.log.warning if verdict.is_worrying else self.log.info)("%s", verdict.summary)
        failure = failure_for_verdict(verdict, object_id=self.object_id, service=self.service_name)
        if failure is not None and self.fail_on_failure:
            raise failure
        return self.finish_with(context, verdict.result)


class DubbingStartOperator(DubbingTaskMixin, BaseOperator):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Base of the operators that start an export or a dubbing job, then (by default) wait for it.

    Once the service has answered the create call, the new id is noted for the task
    instance (:mod:`.started_work`), and pushed as an XCom under ``started_id_key``.
    A later try of the same task instance (a retry, or a clear after a failure) checks
    that id first: running, succeeded or payment-required work is reattached to; only
    work that failed or timed out on the service's side (or no longer exists) is started
    again. The note outlives the task's success (Airflow may retry a try that in fact
    succeeded), so clearing a succeeded task returns the same work; a new DAG run starts
    new work.

    :param wait_for_completion: wait until the work ends and return its final dict
        (default); False returns the new object's dict at once.
    :param deferrable: wait in the triggerer, without a worker slot. Defaults to
        Airflow's ``[operators] default_deferrable``.
    :param poll_interval_s: the first wait between checks, in seconds or a timedelta (default 5).
    :param exponential_backoff: double each wait (default True).
    :param max_poll_interval_s: the cap of a doubled wait (default 2 minutes; None: no cap).
    :param wait_timeout_s: how long to wait in all (default 7 days; None: no limit). When it
        passes the task fails without retries (:class:`.DubbingWaitTimeout`); the work may
        go on, and clearing the task reattaches to it. The task's ``execution_timeout``, when
        it ends sooner, bounds the wait too, deferred or not: the task then fails with
        Airflow's ``AirflowTaskTimeout``, and its retries reattach to the work.
    :param max_consecutive_failures: how many checks in a row may fail (connection errors,
        timeouts, 429, 5xx, answers that are not JSON) before the task fails with
        :class:`.DubbingServiceUnavailable` and its retries (which reattach) take over.

    The five waiting parameters are the fields of the :class:`.WaitSchedule` the operator
    builds once (``schedule``) and hands whole to its trigger.

    Killed (marked failed or succeeded, cleared, or past ``execution_timeout``), the task
    logs one warning: the work keeps running on the service, and is billed (neither API
    documents a way to cancel it), and its note is kept, so clearing the task reattaches
    to it. A mapped instance is labelled by what it makes (:attr:`map_index_label`)
    unless the DAG sets its own ``map_index_template``.
    """

    started_id_key: ClassVar[str]
    """The XCom key the started id is pushed under (the trigger's id kwarg, e.g. ``dubbing_job_id``)."""

    def __init__(
        self,
        *,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval_s: timedelta | float = 5.0,
        exponential_backoff: bool = True,
        max_poll_interval_s: timedelta | float | None = 120.0,
        wait_timeout_s: timedelta | float | None = timedelta(days=7),
        max_consecutive_failures: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.deferrable = default_deferrable(deferrable)
        self.wait_for_completion = wait_for_completion
        self.schedule = WaitSchedule(
            poll_interval_s=seconds(poll_interval_s, "poll_interval_s") or 5.0,
            exponential_backoff=exponential_backoff,
            max_poll_interval_s=seconds(max_poll_interval_s, "max_poll_interval_s"),
            wait_timeout_s=seconds(wait_timeout_s, "wait_timeout_s"),
            max_consecutive_failures=max_consecutive_failures,
        )
        self.started_id: str | None = None

    @abstractmethod
    def validate_request(self) -> None:
        """Check the create call's arguments; raises :class:`InvalidInputError` naming the bad one."""

    @abstractmethod
    def start(self) -> Verdict | None:
        """Make the create call and set :attr:`started_id`; returns the new object's verdict
        when the create answer holds it."""

    @abstractmethod
    def check(self) -> Verdict:
        """Read the started object once; raises a :class:`DubbingError` when the request fails."""

    @abstractmethod
    def make_trigger(self, **wait: Any) -> DubbingWaitTrigger[Any]:
        """The trigger that waits on :attr:`started_id`; ``wait`` holds the schedule,
        deadline and state (:class:`.DubbingWaitTrigger`'s own kwargs)."""

    @property
    def object_id(self) -> str:
        return str(self.started_id)

    def publish(self, context: Any) -> None:
        """Push the started id as an XCom under ``started_id_key`` (links add their own).

        Work finished by its create call (a CAMB.AI export answered with a URL) has no id:
        nothing is pushed then, and a pull of the key reads None, as it would have. (Airflow
        3.0's execution API refuses an XCom whose value is None.)
        """
        if self.started_id is not None:
            context["ti"].xcom_push(key=self.started_id_key, value=self.started_id)

    def execute(self, context: Any) -> Any:
        """Start (or reattach to) the work; wait for it unless told not to; return its dict."""
        began = time.time()
        self.label_map_index(context)
        try:
            self.validate_request()
        except InvalidInputError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what=f"a new {self.noun}") from None
        work = StartedWork.for_task(context, self.service_name)
        verdict = self._reattach(work)
        if verdict is None:
            verdict = self._start(work)
        self.publish(context)
        if not self.wait_for_completion:
            return self.finish_with(context, (verdict or self._check_once()).result)
        if verdict is not None and verdict.phase is Phase.SUCCEEDED:
            return self.finish_with(context, verdict.result)
        if verdict is not None and verdict.is_final:
            return self._finish(
                context, final_event(verdict, object_id=self.object_id, checks=1).to_payload()
            )
        if verdict is not None:
            self.log.info("%s", verdict.announcement(self.schedule.nominal_s(1)))
        limit = self.wait_limit(context, began=began, wait_timeout_s=self.schedule.wait_timeout_s)
        wait: dict[str, Any] = {
            "schedule": self.schedule,
            "deadline": limit.deadline,
            "state": WaitState() if verdict is None else WaitState(checks=1, last_status=verdict.status),
        }
        if not self.deferrable:
            # Waiting here, the trigger checks through the task's own hook (its client, and any
            # retry policy set on it); a deferred trigger builds its own in the triggerer.
            wait["hook"] = self.hook  # type: ignore[attr-defined,unused-ignore]  # the service's ...Connected mixin gives it
        trigger = self.make_trigger(**wait)
        if self.deferrable:
            self.defer(trigger=trigger, method_name="execute_complete", timeout=limit.defer_timeout)
        return self._finish(context, trigger.wait_here())

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Act on the trigger's event: return the final dict, or fail (see the class docstring)."""
        self.label_map_index(context)
        return self._finish(context, event)

    def on_kill(self) -> None:
        """Warn, once, that the work keeps running on the service: nothing can cancel it."""
        if self.started_id is None:
            self.log.warning(
                "the task was ended before %s answered with the new %s's id: if %s started it, it keeps "
                "running, and is not noted for later tries",
                self.service_name,
                self.noun,
                self.service_name,
            )
            return
        self.log.warning(
            "the task was ended: %s. Its id stays noted for this task instance, so clearing the task "
            "reattaches to it instead of starting another",
            self.left_running_warning(self.started_id),
        )

    def _finish(self, context: Any, event: dict[str, Any] | None) -> Any:
        payload = read_wait_event(event, f"{self.noun} {self.started_id!r}")
        self.started_id = payload.object_id
        if payload.succeeded and payload.result is not None:
            return self.finish_with(context, payload.result)
        timed_out = self.execution_timed_out(context, payload, wait_timeout_s=self.schedule.wait_timeout_s)
        if timed_out is not None:
            raise timed_out
        raise failure_for(payload, service=self.service_name, timeout=DubbingWaitTimeout, final=False)

    def _reattach(self, work: StartedWork) -> Verdict | None:
        note = work.recall()
        if note is None:
            return None
        self.started_id = note.object_id
        if note.result is not None:
            # The create call itself finished this work in an earlier try: return that answer
            # rather than start (and pay for) the same work again.
            self.log.info(
                "the %s was finished by an earlier try of this task; returning its result instead of "
                "starting it again (a presigned URL in it may have expired: a new DAG run starts afresh)",
                self.noun,
            )
            status = str(note.result.get("status") or "")
            return Verdict(Phase.SUCCEEDED, status, f"{self.noun} finished in an earlier try", note.result)
        try:
            verdict = self.check()
        except NotFoundError:
            self.log.warning("%s, started by an earlier try, no longer exists; starting a new one", self.what)
            self.started_id = None
            return None
        except DubbingError as exc:
            # Unknown state: starting again could pay twice, so this try fails and a later one asks again.
            raise failure_for_call(exc, conn_id=self.conn_id, what=self.what) from exc
        if verdict.phase is Phase.FAILED and verdict.failure is not FailureKind.PAYMENT_REQUIRED:
            self.log.warning(
                "%s, started by an earlier try, ended: %s; starting a new one", self.what, verdict.summary
            )
            self.started_id = None
            return None
        self.log.info("reattaching to %s, started by an earlier try: %s", self.what, verdict.summary)
        return verdict

    def _start(self, work: StartedWork) -> Verdict | None:
        try:
            verdict = self.start()
        except DubbingError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what=f"a new {self.noun}") from exc
        # A create answer that already finished the work is noted whole, so a later try returns it.
        finished = verdict.result if verdict is not None and verdict.phase is Phase.SUCCEEDED else None
        if self.started_id is None and finished is None:  # pragma: no cover - a subclass bug
            raise RuntimeError(f"{type(self).__name__}.start() did not set the new id")
        where = work.record(self.started_id, finished)
        done = verdict.summary if verdict is not None and finished is not None else f"started {self.what}"
        self.log.info("%s (noted in %s for later tries)", done, where)
        return verdict

    def _check_once(self) -> Verdict:
        try:
            return self.check()
        except DubbingError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what=self.what) from exc
