"""The trigger both services share: it drives the wait engine in the triggerer, and on a
worker for an operator that waits without deferring.

A subclass says only which object it waits on (its own kwargs) and how to check it (a
hook's :class:`.StatusCheck`); the schedule, the failed-check tolerance, the deadline and
the event are the engine's (:mod:`airflow_provider_dubbing.waiting.engine`).
"""

from __future__ import annotations

import asyncio
import random
import time
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, TypeVar

from airflow_provider_dubbing._compat import BaseTrigger, TriggerEvent
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.client.timeouts import within
from airflow_provider_dubbing.hooks.base import DubbingHook, StatusCheck
from airflow_provider_dubbing.waiting.engine import Wait, WaitState, emit, step, timed_out
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent
from airflow_provider_dubbing.waiting.schedule import WaitSchedule

H = TypeVar("H", bound=DubbingHook)

# How far past the deadline a check already under way may run before it is abandoned.
CHECK_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a trigger reads the time, how it sleeps, and its jitter's random numbers.

    Wall-clock time, not monotonic: the deadline is an absolute timestamp shared across
    processes. A test passes its own to replay a wait without sleeping.
    """

    now: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rand: Callable[[], float] = random.random


SYSTEM_CLOCK = Clock()
"""The real time, sleep and random numbers, shared by every trigger that is given no clock."""


# Every kwarg a trigger of package versions before 0.2 was stored with, and where each went.
_LEGACY_SCHEDULE = {
    "poke_interval_s": "poll_interval_s",
    "exponential_backoff": "exponential_backoff",
    "max_wait_s": "max_poll_interval_s",
    "timeout_s": "wait_timeout_s",
    "max_consecutive_failures": "max_consecutive_failures",
}
_LEGACY_STATE = {"checks_made": "checks", "consecutive_failures": "failures", "last_status": "last_status"}


class DubbingWaitTrigger(BaseTrigger, Generic[H]):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Polls one remote object until it is final, the deadline passes, or checks keep failing;
    yields exactly one :class:`.WaitEvent` payload.

    Every serialised kwarg is a JSON value, and none is a secret: the credentials are read
    from the connection inside :meth:`run`.

    :param schedule: the :class:`.WaitSchedule` (or its ``to_kwargs()`` dict): waits,
        failed-check tolerance and, without a ``deadline``, how long the wait may take from
        the moment :meth:`run` starts (a task started straight in the triggerer).
    :param deadline: when to give up, as a Unix timestamp (None: from the schedule).
        Absolute, so a trigger restarted on another triggerer keeps the same deadline.
    :param state: the wait's :class:`.WaitState` so far (or its dict): checks made (when
        above 0, the first check waits its turn in the schedule), failed checks in a row,
        and the status already logged.
    :param hook: a hook to check with instead of one built from the connection id, for
        code that runs the trigger in its own process (a test's ``httpx.MockTransport``);
        never serialised.
    :param clock: the time, sleep and random numbers to use (a test's fake); never serialised.
    """

    noun: ClassVar[str] = "object"
    """How messages name the object: ``export``, ``dub``, ``dubbing job``."""

    def __init__(
        self,
        *,
        schedule: WaitSchedule | dict[str, Any] | None = None,
        deadline: float | None = None,
        state: WaitState | dict[str, Any] | None = None,
        hook: H | None = None,
        clock: Clock | None = None,
        **legacy: Any,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call,unused-ignore]  # unannotated in Airflow
        if legacy:
            schedule, state = _from_legacy(legacy, schedule, state)
        self.schedule = WaitSchedule.of(schedule)
        self.deadline = deadline
        self.state = state if isinstance(state, WaitState) else WaitState(**(state or {}))
        self._hook = hook
        self.clock = clock or SYSTEM_CLOCK
        self._progress = self.state

    @property
    @abstractmethod
    def object_id(self) -> str:
        """The id of the object waited on."""

    @property
    @abstractmethod
    def conn_id(self) -> str:
        """The Airflow connection the checks use."""

    @abstractmethod
    def object_kwargs(self) -> dict[str, Any]:
        """The subclass's own kwargs (the object and its connection), as ``__init__`` takes them."""

    @abstractmethod
    def status_check(self) -> StatusCheck[Any]:
        """The check of the object, built once per run (raises :class:`DubbingError` on bad ids)."""

    @property
    def what(self) -> str:
        """The object in words, e.g. ``export 'a1'``."""
        return f"{self.noun} {self.object_id!r}"

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and the JSON kwargs that rebuild an equal trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.object_kwargs(),
                "schedule": self.schedule.to_kwargs(),
                "deadline": self.deadline,
                "state": asdict(self.state),
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait, then yield exactly one :class:`.WaitEvent` payload; never raises.

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
            wait = self._fixed()
            # The whole wait runs within one time limit, set once: the deadline, plus the
            # grace a last check may take.
            limit = (
                None if wait.deadline is None else max(wait.deadline - self.clock.now(), 0.0) + CHECK_GRACE_S
            )
            try:
                event = await within(self._loop(wait, self.state), limit)
            except asyncio.TimeoutError:
                # A check that outlives the deadline must not outlive Airflow's own deferral
                # timeout too: that one is retried on Airflow 2, ours is final everywhere.
                last = self._progress.last_status or "unknown"
                why = (
                    f"the last check was still unanswered {CHECK_GRACE_S:.0f} s after the deadline; "
                    f"last status {last}"
                )
                event = timed_out(wait, self._progress, why)
        except Exception as exc:  # anything unforeseen still ends as a typed event the task can read
            self.log.exception("waiting on %s broke unexpectedly", self.what)
            event = WaitEvent(
                failure=FailureKind.UNAVAILABLE,
                message=f"waiting on {self.what} broke unexpectedly: {type(exc).__name__}: {exc}",
                object_id=self.object_id,
            )
        return event.to_payload()

    def _fixed(self) -> Wait:
        """What does not change during this run of the wait."""
        deadline = self.deadline
        if deadline is None and self.schedule.wait_timeout_s is not None:
            deadline = self.clock.now() + self.schedule.wait_timeout_s
        retry_after_cap_s = self.schedule.retry_after_cap_s(self.hook.retry.max_retry_after_s)
        return Wait(self.noun, self.object_id, self.conn_id, self.schedule, deadline, retry_after_cap_s)

    async def _loop(self, wait: Wait, state: WaitState) -> WaitEvent:
        clock = self.clock
        self._progress = state
        # One line each time a trigger starts (again, on another triggerer after a restart), so
        # every process that ran the wait shows in its log even while the status stays the same.
        if state.checks > 0:
            first = wait.bounded(wait.schedule.delay_s(state.checks, clock.rand), clock.now())
            self.log.info(
                "waiting on %s after %d check(s), last status %s; next check in %.0f s",
                wait.what,
                state.checks,
                state.last_status or "unknown",
                first,
            )
            await clock.sleep(first)
        else:
            self.log.info("waiting on %s; first check now", wait.what)
        check: StatusCheck[Any] | None = None
        while True:
            outcome: Any
            try:
                if check is None:
                    check = self.status_check()  # refuses a bad id before any request
                outcome = await check.acheck()
            except DubbingError as exc:
                outcome = exc
            done = step(wait, state, outcome, now=clock.now(), rand=clock.rand())
            state = self._progress = done.state
            emit(self.log, done)
            if done.event is not None:
                return done.event
            await clock.sleep(done.wait_s)

    async def on_kill(self) -> None:
        """Say, in the triggerer's log, that the object keeps running: a person ended the
        deferred task (marked it failed or succeeded, or cleared it).

        Airflow 3.3+ calls this then (not on a triggerer restart, a timeout or the wait's
        end); earlier lines have no such hook and never call it, so there it does nothing.
        Neither API documents a way to cancel the work, so nothing is sent: the warning
        names the object, and its console page where the service has one.
        """
        self.log.warning(
            "the task was ended while waiting: %s. Clearing the task waits on it again (a start "
            "operator's started-work note is kept, so it reattaches instead of starting another)",
            left_running(self.what, self.hook.service.name, await self.aconsole_url()),
        )

    async def aconsole_url(self) -> str | None:
        """The object's page in the service's console (None: the service has none, or the
        connection cannot be read)."""
        return None

    @property
    def hook(self) -> H:
        """The hook the checks go through: the one given, or one built from the connection id."""
        if self._hook is None:
            self._hook = self.make_hook()
        return self._hook

    @abstractmethod
    def make_hook(self) -> H:
        """The service's hook for :attr:`conn_id`."""


def left_running(what: str, service: str, console_url: str | None = None) -> str:
    """The words for work a killed wait leaves behind: it keeps running on the service.

    :param what: the object in words, e.g. ``export 'a1'``.
    :param service: the service's name.
    :param console_url: the object's page in the service's console, if it has one.
    """
    where = f" (console: {console_url})" if console_url else ""
    return f"{what} keeps running on {service}{where}, and is billed: its API documents no way to cancel it"


def _from_legacy(legacy: dict[str, Any], schedule: Any, state: Any) -> tuple[Any, Any]:
    unknown = set(legacy) - set(_LEGACY_SCHEDULE) - set(_LEGACY_STATE)
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    old_schedule = {new: legacy[old] for old, new in _LEGACY_SCHEDULE.items() if old in legacy}
    old_state = {new: legacy[old] for old, new in _LEGACY_STATE.items() if old in legacy}
    return schedule or old_schedule, state or old_state
