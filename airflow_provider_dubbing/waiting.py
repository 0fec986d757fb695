"""The task's side of a wait through a trigger, shared by the sensors and the operators.

Naming the object after the trigger's own names, building the trigger from a schedule,
and reading the trigger's event back (validated) are done here once, so an event means
the same to a sensor and to an operator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError

from airflow_provider_dubbing._compat import AirflowException, conf
from airflow_provider_dubbing.client.polling import PollSchedule
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from airflow_provider_dubbing.triggers.events import WaitEvent
from airflow_provider_dubbing.triggers.naming import NamesRemoteObject

# The deferral timeout Airflow enforces is a safety net behind the trigger's own
# deadline: the trigger's timeout event fails without retries on every Airflow line,
# while Airflow 2's deferral timeout would be retried. The trigger gives up on a check
# still running 30 s past its deadline, so this leaves room for that and for a slow
# triggerer to pick the trigger up.
DEFER_TIMEOUT_GRACE_S = 300.0


class DubbingTaskMixin(NamesRemoteObject):
    """What every dubbing sensor and operator shares: the names of its ``trigger_class``
    and a hook that is rebuilt, never copied.

    A subclass that sets ``trigger_class`` gets the trigger's ``noun`` and
    ``object_kwarg_names``: its attributes carry the same names as the trigger's kwargs.
    """

    trigger_class: ClassVar[type[DubbingWaitTrigger]]
    service_name: ClassVar[str] = ""
    # The hook caches a connection's secrets, which refuse to be copied deeply or pickled.
    shallow_copy_attrs: Sequence[str] = ("hook",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        trigger_class = cls.__dict__.get("trigger_class")
        if trigger_class is not None:
            cls.noun = trigger_class.noun
            cls.object_kwarg_names = trigger_class.object_kwarg_names

    def _set_wait_options(self, deferrable: bool | None, max_consecutive_failures: int) -> None:
        """``deferrable`` (None: Airflow's ``[operators] default_deferrable``) and the failed-check bound."""
        if max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be at least 1, got {max_consecutive_failures}")
        if deferrable is None:
            deferrable = conf.getboolean("operators", "default_deferrable", fallback=False)
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """What the task returns for the object's final dict ``result`` (a subclass may add to it)."""
        return result

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())  # type: ignore[misc,call-overload,unused-ignore]
        state.pop("hook", None)  # rebuilt on first use
        return state


def build_trigger(
    trigger_class: type[DubbingWaitTrigger],
    object_kwargs: Mapping[str, Any],
    schedule: PollSchedule,
    *,
    max_consecutive_failures: int,
    **wait: Any,
) -> DubbingWaitTrigger:
    """The trigger for ``object_kwargs`` on ``schedule``; ``wait`` adds deadline and progress."""
    return trigger_class(
        **object_kwargs,
        poke_interval_s=schedule.interval_s,
        exponential_backoff=schedule.exponential,
        max_wait_s=schedule.max_interval_s,
        max_consecutive_failures=max_consecutive_failures,
        **wait,
    )


def read_wait_event(event: Mapping[str, Any] | None, what: str) -> WaitEvent:
    """The trigger's event, validated; an event that does not fit fails the task, naming why."""
    try:
        return WaitEvent.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(event)'}: {e['msg']}" for e in exc.errors())
        raise AirflowException(f"the trigger's event for {what} does not fit: {problems}") from None
