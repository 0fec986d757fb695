"""Where an operator notes the export or job it started, so a retry reattaches instead of paying twice.

Airflow clears a task instance's XComs when a new try starts (on every line, 2.10 to
3.3), so the note needs a place of its own, written as soon as the service has answered
the create call and read first by a later try, or by a try after a clear:

- Airflow 3.3+ (the task's context has a ``task_state_store``): the task state store, the
  place Airflow made for this (its own ``ResumableJobMixin`` keeps a job id there). It is
  scoped to the task instance (DAG run, task, map index), shared by all its tries, and
  reached through the execution API from the worker, whether the wait is deferred or not.
- Airflow 2.10 to 3.2: an Airflow Variable keyed by a digest of the task instance (DAG,
  run, task, map index): the metadata DB on Airflow 2, the execution API on 3.0 to 3.2.

The note is kept after the task succeeds, on purpose: Airflow can retry a task whose
try had in fact succeeded (a scheduler and executor disagreeing about its state was
seen under ``airflow standalone`` on 3.3.2), and that retry must find the finished work
rather than pay for it again; for the same reason clearing a succeeded task returns the
same work. In Airflow 3.3.2 nothing that clears a task touches its task state store
(``clear_task_instances`` does not; the rows are keyed by the DAG run, not by the try).
The store's rows go only when their DAG run is deleted (a foreign key with ``ON DELETE
CASCADE``; ``airflow db clean`` of ``dag_run``), when they expire (``airflow state-store
clean``; the note is written with ``NEVER_EXPIRE``, so it does not), when someone deletes
them (REST API, UI), and, only if ``[state_store] clear_on_success`` is True (default
False), when the task instance succeeds. That last one would break the promise above, so
with it set the note also goes in the Variable, as on the older lines (see
:attr:`StartedWork.is_kept_in_variable`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from airflow_provider_dubbing._compat import NEVER_EXPIRE, Variable, conf

KEY_PREFIX = "airflow_provider_dubbing.started."
"""The prefix of the Variables' keys (a digest of the task instance follows)."""
STORE_KEY = "airflow_provider_dubbing.started"
"""The note's key in a task instance's task state store (the store is already per task instance)."""


class TaskStateStore(Protocol):
    """What we use of Airflow 3.3's ``context["task_state_store"]`` (``TaskStateStoreAccessor``)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, *, retention: timedelta | None = None) -> None: ...


@dataclass(frozen=True)
class Note:
    """What an earlier try noted: the id of the work it started, and its result when the
    create call's answer already finished the work (a CAMB.AI export that answered a URL).

    :param object_id: the started object's id (None when the service gave none).
    :param result: the finished work's dict, returned again instead of starting anew.
    """

    object_id: str | None
    result: dict[str, Any] | None = None


@dataclass(frozen=True)
class StartedWork:
    """The note of one task instance: which remote object its tries are working on.

    :param identity: the task instance (``dag_id``, ``run_id``, ``task_id``, ``map_index``).
    :param service: the service the object lives on, for a person reading the note.
    :param store: the task instance's task state store (Airflow 3.3+), or None to use the
        Variable alone (older lines, or an operator run outside a task runner).
    """

    identity: dict[str, Any]
    service: str
    store: TaskStateStore | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_task(cls, context: Any, service: str) -> StartedWork:
        """The note of the task instance running with ``context``."""
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return cls(
            identity={
                "dag_id": ti.dag_id,
                "run_id": ti.run_id,
                "task_id": ti.task_id,
                "map_index": -1 if map_index is None else int(map_index),
            },
            service=service,
            store=context.get("task_state_store"),
        )

    @property
    def key(self) -> str:
        """The Variable's key: a digest, since DAG and run ids together may pass the key's length limit."""
        digest = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()
        return KEY_PREFIX + digest[:32]

    @property
    def is_kept_in_variable(self) -> bool:
        """Whether the note goes in (and stays in) the Variable: always without a task state
        store; with one, only while ``[state_store] clear_on_success`` is True, since the store
        then forgets the note when the task succeeds. (Airflow's API server applies that option;
        we read the worker's configuration, the same in the usual deployment.)"""
        if self.store is None:
            return True
        return bool(conf.getboolean("state_store", "clear_on_success", fallback=False))

    def recall(self) -> Note | None:
        """What an earlier try of this task instance started, or None.

        With a task state store, the store is read first, then the Variable: a note written
        by an earlier version of this package (or on this DAG run before Airflow was
        upgraded to 3.3) is still honoured. Such a note is **moved** into the store (the
        Variable is deleted once the store holds it, unless :attr:`is_kept_in_variable`):
        later tries then read one place, and the note now lives as long as its DAG run
        instead of as a Variable nobody deletes. Moving costs a write at most once per task
        instance; downgrading the package afterwards would not see the moved note.
        """
        if self.store is not None:
            note = self._checked(self.store.get(STORE_KEY))
            if note is not None:
                return _as_note(note)
        note = self._checked(_parsed(Variable.get(self.key, None)))  # positional: the keyword differs
        if note is None:
            return None
        if self.store is not None:
            # Store first, delete second: a failure in between leaves the note in both places.
            self.store.set(STORE_KEY, note, retention=NEVER_EXPIRE)
            if not self.is_kept_in_variable:
                Variable.delete(self.key)
        return _as_note(note)

    def record(self, object_id: str | None, result: dict[str, Any] | None = None) -> str:
        """Note the work this task instance started; returns where the note went, for the log
        (``the task state store, key …`` and/or ``Airflow Variable …``).

        :param object_id: the started object's id.
        :param result: the work's final dict, when the create call's answer finished it.
        """
        note: dict[str, Any] = {
            **self.identity,
            "service": self.service,
            "object_id": object_id,
            "recorded_at": datetime.now(timezone.utc).isoformat(),
        }
        if result is not None:
            note["result"] = result
        places = []
        if self.store is not None:
            # Never expiring: the row still goes with its DAG run, which is as long as it can help.
            self.store.set(STORE_KEY, note, retention=NEVER_EXPIRE)
            places.append(f"the task state store, key {STORE_KEY}")
        if self.is_kept_in_variable:
            Variable.set(self.key, json.dumps(note, sort_keys=True))
            places.append(f"Airflow Variable {self.key}")
        return " and ".join(places)

    def _checked(self, note: Any) -> dict[str, Any] | None:
        """``note`` if it is a note of this task instance, else None."""
        if not isinstance(note, dict) or {k: note.get(k) for k in self.identity} != self.identity:
            return None
        return note


def _parsed(raw: Any) -> Any:
    """A Variable's JSON text parsed, or None when it is empty or not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _as_note(note: dict[str, Any]) -> Note | None:
    object_id = note.get("object_id")
    result = note.get("result")
    if isinstance(result, dict):
        return Note(str(object_id) if object_id else None, result)
    return Note(str(object_id)) if object_id else None
