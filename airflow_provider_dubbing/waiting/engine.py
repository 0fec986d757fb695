"""The wait engine: one pure step from a check's outcome to what happens next.

Every way of waiting drives this same function: the trigger in the triggerer (and an
operator waiting on its worker, which runs the trigger's loop there), and the sensors'
poke and reschedule modes, which Airflow's own sensor loop paces. A driver checks the
object, hands the verdict (or the error the check raised) to :func:`step`, logs the line
it returns, and then either sleeps the wait it returns or acts on its final event. The
function reads no clock and draws no random number itself: the driver passes both, so
a test can replay any wait exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from airflow_provider_dubbing.client.errors import (
    AuthenticationError,
    ConnectionConfigError,
    DubbingError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ResponseValidationError,
)
from airflow_provider_dubbing.client.retry import asked_wait_s, is_transient
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent
from airflow_provider_dubbing.waiting.schedule import WaitSchedule
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict


@dataclass(frozen=True, slots=True)
class WaitState:
    """What a wait carries from one check to the next, and across a hand-over (from the
    task to the trigger, from one triggerer to another).

    :param checks: checks made so far.
    :param failures: checks in a row that failed.
    :param last_status: the last status logged, so it is not logged twice.
    """

    checks: int = 0
    failures: int = 0
    last_status: str | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """What does not change during one wait, fixed when it starts.

    :param noun: how messages name the object: ``export``, ``dub``, ``dubbing job``.
    :param object_id: the object's id.
    :param conn_id: the Airflow connection the checks use.
    :param schedule: the waits and bounds.
    :param deadline: when to give up, as a Unix timestamp (None: never).
    :param retry_after_cap_s: the longest ``Retry-After`` honoured.
    """

    noun: str
    object_id: str
    conn_id: str
    schedule: WaitSchedule
    deadline: float | None = None
    retry_after_cap_s: float = 120.0

    @property
    def what(self) -> str:
        """The object in words, e.g. ``export 'a1'``."""
        return f"{self.noun} {self.object_id!r}"

    def bounded(self, wait_s: float, now: float) -> float:
        """``wait_s``, cut so it never passes the deadline: one last check happens there."""
        if self.deadline is None:
            return wait_s
        return max(0.0, min(wait_s, self.deadline - now))


@dataclass(frozen=True, slots=True)
class Step:
    """What one check leads to: the next state, a line to log, and either a wait or the end.

    :param event: the final event when the wait is over, else None.
    :param wait_s: the seconds to wait before the next check when it is not.
    :param log: ``(level, message)`` to log, or None.
    """

    state: WaitState
    event: WaitEvent | None = None
    wait_s: float = 0.0
    log: tuple[int, str] | None = None


def step(wait: Wait, state: WaitState, outcome: Verdict | DubbingError, *, now: float, rand: float) -> Step:
    """The next step of ``wait`` after a check that concluded ``outcome``.

    :param now: the current Unix time (for the deadline).
    :param rand: a number in [0, 1) for the jitter of the next wait.
    """
    checks = state.checks + 1
    if isinstance(outcome, DubbingError):
        return _after_failed_check(wait, state, outcome, checks, now, rand)
    verdict = outcome
    changed = verdict.status != state.last_status
    state = WaitState(checks, 0, verdict.status)
    if verdict.is_final:
        event = final_event(verdict, object_id=wait.object_id, checks=checks)
        return Step(state, event=event, log=_status_line(verdict, None) if changed else None)
    wait_s = wait.bounded(wait.schedule.delay_s(checks, lambda: rand), now)
    line = _status_line(verdict, wait_s) if changed else None
    return Step(state, event=_expired(wait, state, now), wait_s=wait_s, log=line)


def emit(logger: Any, done: Step) -> None:
    """Log a step's line, if it has one, on ``logger`` (a logging or structlog logger)."""
    if done.log is not None:
        level, line = done.log
        (logger.warning if level >= logging.WARNING else logger.info)("%s", line)


def final_event(verdict: Verdict, *, object_id: str, checks: int) -> WaitEvent:
    """The event that ends a wait on a final verdict (succeeded or failed)."""
    if verdict.phase is Phase.SUCCEEDED:
        return WaitEvent(
            message=verdict.summary,
            object_id=object_id,
            result=verdict.result,
            remote_status=verdict.status,
            checks=checks,
        )
    return WaitEvent(
        failure=verdict.failure,
        message=verdict.summary,
        object_id=object_id,
        remote_status=verdict.status,
        reasons=verdict.reasons,
        checks=checks,
    )


def timed_out(wait: Wait, state: WaitState, why: str) -> WaitEvent:
    """The event of a wait whose deadline passed; ``why`` says what was still going on."""
    return WaitEvent(
        failure=FailureKind.WAIT_TIMEOUT,
        message=f"timed out waiting for {wait.what}: {why}",
        object_id=wait.object_id,
        remote_status=state.last_status,
        checks=state.checks,
    )


def failed_request(
    error: DubbingError, *, conn_id: str, what: str, object_id: str = "", state: WaitState = WaitState()
) -> WaitEvent:
    """How a request that failed ends the work it was for: refused for good (asking again
    would get the same answer), or the service unavailable (it may heal by itself).

    The one place that tells the two apart, for a wait's checks and for a task's single
    requests alike.
    """
    if is_transient(error):
        return WaitEvent(
            failure=FailureKind.UNAVAILABLE,
            message=f"{what}: the request failed: {error}",
            object_id=object_id,
            remote_status=state.last_status,
            checks=state.checks,
        )
    return WaitEvent(
        failure=FailureKind.REFUSED,
        message=refusal(error, conn_id=conn_id, what=what),
        object_id=object_id,
        remote_status=state.last_status,
        status_code=getattr(error, "status_code", None),
        checks=state.checks,
    )


def refusal(error: DubbingError, *, conn_id: str, what: str) -> str:
    """Why a request was refused for good, naming the connection or the id at fault.

    :param error: the refusal (an :class:`ApiStatusError` 4xx, a bad connection or bad input).
    :param conn_id: the Airflow connection that was used.
    :param what: the object checked, e.g. ``export 'a1'``.
    """
    status = getattr(error, "status_code", None)
    if isinstance(error, ConnectionConfigError):
        return f"connection {conn_id!r} cannot be used: {error}"
    if isinstance(error, InvalidInputError):
        return f"{what}: refused before any request, {error.field} is invalid: {error.problem}"
    if isinstance(error, AuthenticationError):
        return (
            f"the service refused the credentials of connection {conn_id!r} (401): {error}. "
            "Check the API key or token in the connection's password."
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"connection {conn_id!r} may not read {what} (403): {error}. "
            "Check that the key or token may use this object (for BlendVision, the org_id extra)."
        )
    if isinstance(error, NotFoundError):
        return f"{what} was not found with connection {conn_id!r} (404): {error}"
    if isinstance(error, ResponseValidationError):
        return (
            f"the answer about {what} cannot be read, and asking again would get the same one: {error}. "
            f"Check the host of connection {conn_id!r}, or whether the API changed."
        )
    if status is not None:
        return f"the request for {what} was refused ({status}): {error}"
    return f"the request for {what} was refused: {error}"


def _after_failed_check(
    wait: Wait, state: WaitState, error: DubbingError, checks: int, now: float, rand: float
) -> Step:
    if not is_transient(error):
        event = failed_request(
            error,
            conn_id=wait.conn_id,
            what=wait.what,
            object_id=wait.object_id,
            state=replace(state, checks=checks),
        )
        return Step(replace(state, checks=checks), event=event)
    failures = state.failures + 1
    state = replace(state, checks=checks, failures=failures)
    limit = wait.schedule.max_consecutive_failures
    if failures >= limit:
        event = WaitEvent(
            failure=FailureKind.UNAVAILABLE,
            message=f"gave up on {wait.what} after {failures} failed checks in a row; last: {error}",
            object_id=wait.object_id,
            remote_status=state.last_status,
            checks=checks,
        )
        return Step(state, event=event)
    asked = asked_wait_s(error, wait.retry_after_cap_s) or 0.0
    wait_s = wait.bounded(max(wait.schedule.delay_s(checks, lambda: rand), asked), now)
    line = (
        f"checking {wait.what} failed ({failures} in a row; the wait ends at {limit}): {error}; "
        f"next check in {wait_s:.0f} s"
    )
    return Step(state, event=_expired(wait, state, now), wait_s=wait_s, log=(logging.WARNING, line))


def _expired(wait: Wait, state: WaitState, now: float) -> WaitEvent | None:
    # The last check happens at the deadline itself, as in poke mode; after it, the wait is over.
    if wait.deadline is None or now < wait.deadline:
        return None
    return timed_out(wait, state, f"still {state.last_status or 'unchecked'} after {state.checks} checks")


def _status_line(verdict: Verdict, wait_s: float | None) -> tuple[int, str]:
    return (logging.WARNING if verdict.is_worrying else logging.INFO, verdict.announcement(wait_s))
