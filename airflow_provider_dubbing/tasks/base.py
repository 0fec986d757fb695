"""The task's side of a wait, shared by the sensors and the operators.

Naming the object, reading the trigger's event back (validated) and turning a final event
into the task's outcome are done here once, so an event means the same to a sensor and
to an operator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError

from airflow_provider_dubbing._compat import AirflowException, conf
from airflow_provider_dubbing.waiting.events import WaitEvent

# The deferral timeout Airflow enforces is a safety net behind the trigger's own
# deadline: the trigger's timeout event fails without retries on every Airflow line,
# while Airflow 2's deferral timeout would be retried. The trigger gives up on a check
# still running 30 s past its deadline, so this leaves room for that and for a slow
# triggerer to pick the trigger up.
DEFER_TIMEOUT_GRACE_S = 300.0


class DubbingTaskMixin:
    """What every dubbing sensor and operator shares: how it names its object, and a hook
    that is rebuilt, never copied.

    A subclass names its object with ``noun`` and :attr:`object_id`; its service's
    ``...Connected`` mixin gives it ``hook`` and ``conn_id``.
    """

    noun: ClassVar[str] = "object"
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

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())  # type: ignore[misc,call-overload,unused-ignore]
        state.pop("hook", None)  # rebuilt on first use
        if "_check" in state:
            state["_check"] = None
        return state


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
