"""The task's side of a wait, shared by the sensors and the operators.

Naming the object, reading the trigger's event back (validated), turning a final event
into the task's outcome, bounding a wait by the task's ``execution_timeout``, what a
killed task says and how a mapped task instance is labelled are done here once, so they
mean the same to a sensor and to an operator.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import ValidationError

from airflow_provider_dubbing._compat import AIRFLOW_V_3_0_PLUS, AirflowException, AirflowTaskTimeout, conf
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.outputs.files import DubbedFile
from airflow_provider_dubbing.tasks.outputs import emit_asset_events
from airflow_provider_dubbing.triggers.base import left_running
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent

# The deferral timeout Airflow enforces is a safety net behind the trigger's own
# deadline: the trigger's timeout event fails without retries on every Airflow line
# (unless execution_timeout set the deadline, see wait_limit), while Airflow 2's
# deferral timeout would be retried. The trigger gives up on a check
# still running 30 s past its deadline, so this leaves room for that and for a slow
# triggerer to pick the trigger up.
DEFER_TIMEOUT_GRACE_S = 300.0

MAP_INDEX_TEMPLATE = "{{ task.map_index_label }}"
"""The ``map_index_template`` a mapped dubbing task gets when its DAG author set none."""

# Airflow stores a rendered map index in a 250-character column.
_MAP_INDEX_MAX = 250

# The trigger reads the triggerer's clock, the task the worker's: a wait's timeout this
# close to the task's execution_timeout is the execution_timeout's.
_CLOCK_SLACK_S = 1.0


@dataclass(frozen=True)
class WaitLimit:
    """When a wait that starts now must end.

    :param deadline: when to give up, as a Unix timestamp (None: never).
    :param span_s: the seconds from the wait's start to ``deadline`` (None: no deadline).
    """

    deadline: float | None
    span_s: float | None

    @property
    def defer_timeout(self) -> timedelta | None:
        """The ``timeout`` for Airflow's ``defer()``: the span plus :data:`DEFER_TIMEOUT_GRACE_S`,
        so Airflow's own deferral timeout stays a safety net behind the trigger's deadline."""
        return None if self.span_s is None else timedelta(seconds=self.span_s + DEFER_TIMEOUT_GRACE_S)


class DubbingTaskMixin:
    """What every dubbing sensor and operator shares: how it names its object, and a hook
    that is rebuilt, never copied.

    A subclass names its object with ``noun`` and :attr:`object_id`; its service's
    ``...Connected`` mixin gives it ``hook`` and ``conn_id``.
    """

    noun: ClassVar[str] = "object"
    files_made: tuple[DubbedFile, ...] = ()
    """The dubbed files the task's last run returned (set by :meth:`finish_with`)."""
    """How messages name the object: ``export``, ``dub``, ``dubbing job``."""
    service_name: ClassVar[str] = ""
    # The hook caches a connection's secrets, which refuse to be copied deeply or pickled;
    # so does a check built on it.
    shallow_copy_attrs: Sequence[str] = ("hook", "_check")

    @property
    def conn_id(self) -> str:
        """The Airflow connection used (the service's ``...Connected`` mixin reads it)."""
        raise NotImplementedError

    @property
    def object_id(self) -> str:
        """The id of the object the task works on (read live: Airflow renders templates
        after ``__init__``)."""
        raise NotImplementedError

    @property
    def what(self) -> str:
        """The object in words, e.g. ``export 'a1'``."""
        return f"{self.noun} {self.object_id!r}"

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """What the task returns for the object's final dict ``result`` (a subclass may add to it)."""
        return result

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """The dubbed files the task's returned ``value`` names (none unless the work succeeded
        and the task makes or reads files)."""
        return []

    def finish_with(self, context: Any, result: dict[str, Any]) -> dict[str, Any]:
        """What the task returns for ``result`` (:meth:`returned`), its dubbed files kept in
        :attr:`files_made` (for lineage) and emitted to its outlets (:mod:`.outputs`)."""
        value = self.returned(result)
        self.files_made = tuple(self.dubbed_files(value))
        added = emit_asset_events(self, context, self.files_made)
        if added:
            self.log.info("emitted %d asset event(s), one per dubbed file and outlet alias", added)  # type: ignore[attr-defined]
        return value

    @property
    def map_index_label(self) -> str | None:
        """How a mapped instance of the task is labelled (``ja``, ``es-ES mp4``, an id), read
        from its rendered fields; None: Airflow's plain ``[0]``, ``[1]``."""
        return None

    def label_map_index(self, context: Any) -> None:
        """Label a mapped task instance with :attr:`map_index_label`, unless the DAG author
        set a ``map_index_template`` of their own (on the task, in ``partial()`` or in
        ``default_args``), which wins.

        Airflow renders ``context["map_index_template"]`` after ``execute`` (and after
        ``execute_complete``), with the context the task ran with, on 2.9+ and 3.x alike. A
        default on the operator's ``__init__`` would not reach a mapped task on Airflow 2,
        which reads the template from ``partial()``'s arguments; so the task fills in the
        context's empty template itself, at the start of each run, before anything can fail.
        """
        if not AIRFLOW_V_3_0_PLUS:
            # Airflow 2 renders any map_index_template with the whole context and warns once
            # per deprecated key in it: a default would fill every mapped task's log with
            # warnings, so there the labels stay [0], [1] unless the DAG asks for its own.
            return
        ti = context.get("ti") if isinstance(context, Mapping) else None
        map_index = getattr(ti, "map_index", None)
        if map_index is None or map_index < 0 or context.get("map_index_template") is not None:
            return
        if self.map_index_label:
            context["map_index_template"] = MAP_INDEX_TEMPLATE

    def wait_limit(self, context: Any, *, began: float, wait_timeout_s: float | None) -> WaitLimit:
        """The limit of a wait that starts at ``began`` (Unix time) and may take ``wait_timeout_s``.

        The deadline is never later than the task's start plus its ``execution_timeout``,
        so a deferred wait ends with the trigger's own timeout event rather than running
        on in the triggerer after Airflow gave up on the task. The task's start is its
        try's ``start_date`` (what Airflow counts ``execution_timeout`` from), or ``began``
        when the context has none (the earlier of the two when both are known).

        Why the trigger's deadline, and not only Airflow's ``defer(timeout=...)``: the
        fix often made for this (passing ``execution_timeout`` as the deferral timeout)
        leaves the trigger's own end time where it was and differs by line. Airflow 2
        already caps a deferral at ``start_date + execution_timeout`` (its
        ``_defer_task``) and fails it with a retried ``TaskDeferralError``; Airflow 3's
        task runner applies ``execution_timeout`` only around ``execute`` (a TODO for
        deferral in ``task_runner.py``), so a deferred task is bounded by the deferral
        timeout alone, measured from the deferral rather than the task's start, and a
        sensor's is turned into a final ``AirflowSensorTimeout``. The trigger's deadline
        is absolute, enforced by the trigger itself and read the same on every line, so
        bounding it gives one behaviour everywhere; ``defer(timeout=...)`` stays the span
        plus :data:`DEFER_TIMEOUT_GRACE_S`, a safety net behind it. (On Airflow 2 its own
        cap then falls on the deadline itself; either end is a retried failure there.)
        A wait that ends at this bound fails with ``AirflowTaskTimeout``, as the same wait
        on a worker does (:meth:`execution_timed_out`), so the task's retries apply: a
        start operator's retry reattaches to its work. Failing it as the wait's own
        (final) timeout instead would differ by line, since Airflow 2 fails the resumed
        task with its own retried ``AirflowTaskTimeout`` before ``execute_complete`` runs.
        """
        own = None if wait_timeout_s is None else began + wait_timeout_s
        end = self._execution_end(context, began)
        if end is None or (own is not None and own <= end):
            return WaitLimit(own, wait_timeout_s)
        return WaitLimit(end, max(end - began, 0.0))

    def execution_timed_out(
        self, context: Any, event: WaitEvent, *, wait_timeout_s: float | None
    ) -> BaseException | None:
        """What a wait's timeout ``event`` raises when the task's ``execution_timeout`` set the
        deadline (see :meth:`wait_limit`): Airflow's own ``AirflowTaskTimeout``, as the same
        wait on a worker raises, so the task's retries apply (Airflow then calls ``on_kill``,
        which says the work goes on). None when the wait's own ``wait_timeout_s`` ended it.

        An ``execution_timeout`` shorter than the wait's own timeout always set the deadline,
        since a wait starts after its try does. A longer one set it only when the wait began
        late in the try, or the task resumes after the try's time ran out; the clock tells
        then, as Airflow 2 decides it itself (a deferred task resuming past ``start_date +
        execution_timeout`` fails with ``AirflowTaskTimeout`` before ``execute_complete``
        runs). Nothing travels with the deferral: ``dag.test()`` resumes with the event alone,
        and on Airflow 3 with a new ``start_date``.
        """
        limit: timedelta | None = getattr(self, "execution_timeout", None)
        if event.failure is not FailureKind.WAIT_TIMEOUT or not limit:
            return None
        limit_s = limit.total_seconds()
        now = time.time()
        # The same tie-break as wait_limit: an execution_timeout no longer than the wait's own
        # timeout set the deadline (the wait starts after its try does).
        shorter = wait_timeout_s is None or limit_s <= wait_timeout_s
        if not shorter and now + _CLOCK_SLACK_S < _task_start(context, now) + limit_s:
            return None
        error: BaseException = AirflowTaskTimeout(
            f"the task's execution_timeout ({limit}) passed: {event.message}"
        )
        return error

    def _execution_end(self, context: Any, began: float) -> float | None:
        # When the try must end by its execution_timeout (None: no execution_timeout).
        execution_timeout: timedelta | None = getattr(self, "execution_timeout", None)
        if not execution_timeout:
            return None
        return _task_start(context, began) + execution_timeout.total_seconds()

    def left_running_warning(self, object_id: str) -> str:
        """What a killed task says of the object it left: it keeps running on the service
        (no cancel call exists), with its console page where the service has one."""
        return left_running(f"{self.noun} {object_id!r}", self.service_name, self._console_url(object_id))

    def console_url(self, object_id: str) -> str | None:
        """The object's page in the service's console (None: the service has none)."""
        return None

    def _console_url(self, object_id: str) -> str | None:
        # A task being killed still says what it left running when the link cannot be built.
        try:
            return self.console_url(object_id)
        except (DubbingError, AirflowException):
            return None

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())  # type: ignore[misc,call-overload,unused-ignore]
        state.pop("hook", None)  # rebuilt on first use
        if "_check" in state:
            state["_check"] = None
        return state


def map_index_label(*values: Any) -> str:
    """``values`` (lists and tuples spread out) as one label, words joined by spaces, cut to
    what Airflow stores."""
    words: list[str] = []
    for value in values:
        words.extend(map(str, value) if isinstance(value, (list, tuple)) else [str(value)])
    return " ".join(words)[:_MAP_INDEX_MAX]


def _task_start(context: Any, began: float) -> float:
    ti = context.get("ti") if isinstance(context, Mapping) else None
    start = getattr(ti, "start_date", None)
    return min(start.timestamp(), began) if isinstance(start, datetime) else began


def default_deferrable(deferrable: bool | None) -> bool:
    """``deferrable`` as given, or Airflow's ``[operators] default_deferrable`` for None."""
    if deferrable is None:
        return bool(conf.getboolean("operators", "default_deferrable", fallback=False))
    return deferrable


def read_wait_event(event: Mapping[str, Any] | None, what: str) -> WaitEvent:
    """The trigger's event, validated; an event that does not fit fails the task, naming why."""
    try:
        return WaitEvent.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(event)'}: {e['msg']}" for e in exc.errors())
        raise AirflowException(f"the trigger's event for {what} does not fit: {problems}") from None
