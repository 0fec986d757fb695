"""What a wait's task should do, derived from its case, and what it did, read from its event.

The expected side is written from the services' documented meanings (the same table the
sensors' docstrings give), not from the package's own ``outcomes`` modules: the soak must
be able to disagree with the code it checks. The observed side is what the sensor's
``execute_complete`` does with the trigger's event (or ``execute`` itself, when its first
check already ended the wait): return a value, or raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from soak.mix import API, CAMB, CAMB_DUB, Case

RETURNED = "returned"

# Final status -> how the task ends: returns its dict, or raises this failure (by class name,
# so an unexpected subclass does not pass for its parent).
_CAMB_FINAL = {
    "SUCCESS": RETURNED,
    "ERROR": "DubbingJobFailed",
    "TIMEOUT": "DubbingRemoteTimeout",
    "PAYMENT_REQUIRED": "DubbingPaymentRequired",
}
_BLENDVISION_FINAL = {
    "DUBBING_STATUS_SUCCEEDED": RETURNED,
    "DUBBING_STATUS_FAILED": "DubbingJobFailed",
}
# The emulator's outcome when a script names none.
_CAMB_DEFAULT = "SUCCESS"
_BLENDVISION_DEFAULT = "DUBBING_STATUS_SUCCEEDED"
REFUSED = "DubbingRequestRefused"


@dataclass(frozen=True)
class Outcome:
    """How a task ended.

    :param ended: ``returned``, or the class name of the exception it raised.
    :param status: the remote status (of the returned dict, or the failure's ``status``),
        or for a refusal the HTTP status, as a string.
    :param object_id: the id the returned dict or the failure names, when it names one.
    :param reasons: the failure's reasons (expected: substrings each reason list must hold).
    :param run_id: the run a returned dict names (expected: a finished dub's scripted run).
    :param message: the failure's message, for the report.
    """

    ended: str
    status: str | None = None
    object_id: str | None = None
    reasons: tuple[str, ...] = ()
    run_id: int | None = None
    message: str = field(default="", compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "ended": self.ended,
            "status": self.status,
            "object_id": self.object_id,
            "reasons": list(self.reasons),
            "run_id": self.run_id,
            "message": self.message[:300],
        }


def expected_outcome(case: Case) -> Outcome:
    """What the task must do, from the connection's credential and the object's script."""
    if not case.credentials_valid:
        return Outcome(REFUSED, "401")
    if case.script is None:
        return Outcome(REFUSED, "404")
    if API[case.service] == CAMB:
        # A dub's statuses mean what an export's do (CAMB.AI documents one status enum).
        final = str(case.script.get("outcome", _CAMB_DEFAULT))
        ended = _CAMB_FINAL[final]
        reason = case.script.get("exception_reason")
        reasons: tuple[str, ...] = (reason,) if reason and ended != RETURNED else ()
        if case.service == CAMB_DUB and ended == RETURNED:
            # A finished dub must hand on the run it finished as: the next task needs it.
            return Outcome(ended, final, case.object_id, reasons, run_id=int(case.script["run_id"]))
    else:
        final = str(case.script.get("outcome", _BLENDVISION_DEFAULT))
        ended = _BLENDVISION_FINAL[final]
        # Every reason and domain the job gave must reach the task's failure.
        reasons = tuple(
            part for info in case.script.get("error_infos", ()) for part in (info["reason"], info["domain"])
        )
    return Outcome(ended, final, case.object_id, reasons)


def task_outcome(sensor: Any, payload: Mapping[str, Any]) -> Outcome:
    """What ``sensor`` does on resuming with the trigger's event ``payload``."""
    try:
        result = sensor.execute_complete(context={}, event=dict(payload))
    except Exception as exc:  # every way a task can end is an outcome to compare
        return raised(exc)
    return returned(result)


def raised(exc: BaseException) -> Outcome:
    """The outcome of a task that raised ``exc``."""
    http_status = getattr(exc, "http_status", None)
    status = str(http_status) if http_status is not None else getattr(exc, "status", None) or None
    return Outcome(
        type(exc).__name__,
        status,
        getattr(exc, "object_id", None) or None,
        tuple(getattr(exc, "reasons", ())),
        message=str(exc),
    )


def returned(result: Any) -> Outcome:
    """The outcome of a task that returned ``result``."""
    if not isinstance(result, Mapping):
        return Outcome(RETURNED, message=f"returned {result!r}")
    object_id = result.get("task_id", result.get("id"))
    run_id = result.get("run_id")
    return Outcome(
        RETURNED,
        result.get("status"),
        None if object_id is None else str(object_id),
        run_id=run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None,
    )


def matches(expected: Outcome, got: Outcome) -> bool:
    """Whether the task did what the script says: same ending, status and id (and run, when one
    is expected), every reason passed on."""
    if (expected.ended, expected.status) != (got.ended, got.status):
        return False
    if expected.object_id is not None and got.object_id != expected.object_id:
        return False
    if expected.run_id is not None and got.run_id != expected.run_id:
        return False
    return all(any(part in reason for reason in got.reasons) for part in expected.reasons)


def judge(expected: Outcome, got: Outcome | None) -> str:
    """``as_expected``, ``false_success``, ``false_failure`` or (no event) ``hang``."""
    if got is None:
        return "hang"
    if matches(expected, got):
        return "as_expected"
    return "false_success" if got.ended == RETURNED else "false_failure"
