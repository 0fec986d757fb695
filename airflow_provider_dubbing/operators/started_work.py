"""Where an operator notes the export or job it started, so a retry reattaches instead of paying twice.

Airflow clears a task instance's XComs when a new try starts (on every line, 2.10 to
3.3), so the note lives in an Airflow Variable keyed by the task instance (DAG, run,
task, map index), written as soon as the service has answered the create call. A later
try, or a clear of the task, reads it first. Variables work from tasks on every
supported line: the metadata DB on Airflow 2, the Task SDK's execution API on Airflow 3.

The note is kept after the task succeeds, on purpose: Airflow can retry a task whose
try had in fact succeeded (a scheduler and executor disagreeing about its state was
seen under ``airflow standalone`` on 3.3.2), and that retry must find the finished work
rather than pay for it again. One small Variable per task instance that started work
is the price; see the operators guide for clearing old ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_dubbing._compat import Variable

KEY_PREFIX = "airflow_provider_dubbing.started."


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
    :param service: the service the object lives on, for a person reading the Variable.
    """

    identity: dict[str, Any]
    service: str

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
        )

    @property
    def key(self) -> str:
        """The Variable's key: a digest, since DAG and run ids together may pass the key's length limit."""
        digest = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()
        return KEY_PREFIX + digest[:32]

    def recall(self) -> Note | None:
        """What an earlier try of this task instance started, or None."""
        raw = Variable.get(self.key, None)  # positional: the keyword differs between lines
        if not raw:
            return None
        try:
            note = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(note, dict) or {k: note.get(k) for k in self.identity} != self.identity:
            return None
        object_id = note.get("object_id")
        result = note.get("result")
        if isinstance(result, dict):
            return Note(str(object_id) if object_id else None, result)
        return Note(str(object_id)) if object_id else None

    def record(self, object_id: str | None, result: dict[str, Any] | None = None) -> str:
        """Note the work this task instance started; returns the Variable's key.

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
        Variable.set(self.key, json.dumps(note, sort_keys=True))
        return self.key
