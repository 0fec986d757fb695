"""Scripts: the answers a task or job gives, one step per poll, and how admin bodies become them.

A script advances only when a poll is answered, never with the clock, so tests are exact.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from typing import Any

Step = dict[str, Any]

CAMB_PENDING = "PENDING"
CAMB_SUCCESS = "SUCCESS"
BV_CREATED = "DUBBING_STATUS_CREATED"
BV_PROCESSING = "DUBBING_STATUS_PROCESSING"
BV_SUCCEEDED = "DUBBING_STATUS_SUCCEEDED"
BV_FAILED = "DUBBING_STATUS_FAILED"

# What a CAMB.AI step may say; anything else is a typo the admin route reports.
CAMB_STEP_KEYS = frozenset({"status", "run_id", "exception_reason", "message", "bare", "raw"})
_CAMB_SHORTHAND = frozenset({"pending_polls", "outcome", "exception_reason", "message"})
_BV_SHORTHAND = frozenset({"processing_polls", "outcome", "error_infos"})


class ScriptError(ValueError):
    """An admin body or list of steps that cannot become a script."""


class Script:
    """A cursor over steps: a poll answers the current step, then the script advances.

    The last step repeats forever, as a finished job keeps its final status.
    """

    __slots__ = ("_position", "_steps")

    def __init__(self, steps: Sequence[Step]) -> None:
        if not steps:
            raise ScriptError("a script needs at least one step")
        self._steps = list(steps)
        self._position = 0

    @property
    def current(self) -> Step:
        """The step the next poll answers."""
        return self._steps[self._position]

    @property
    def position(self) -> int:
        """How many steps have been answered and left behind."""
        return self._position

    def __len__(self) -> int:
        return len(self._steps)

    def advance(self) -> None:
        """Move to the next step, staying on the last one."""
        if self._position < len(self._steps) - 1:
            self._position += 1


def camb_default_steps(pending_polls: int) -> list[Step]:
    """``pending_polls`` PENDING answers (no run id yet), then SUCCESS."""
    pending: list[Step] = [{"status": CAMB_PENDING, "run_id": None} for _ in range(pending_polls)]
    return [*pending, {"status": CAMB_SUCCESS}]


def blendvision_default_steps(processing_polls: int) -> list[Step]:
    """One CREATED answer, ``processing_polls`` PROCESSING answers, then SUCCEEDED."""
    processing: list[Step] = [{"status": BV_PROCESSING} for _ in range(processing_polls)]
    return [{"status": BV_CREATED}, *processing, {"status": BV_SUCCEEDED}]


def camb_steps_from_body(
    body: Mapping[str, Any], *, default_pending_polls: int, other_keys: Collection[str] = ()
) -> list[Step]:
    """The steps an admin body describes: ``{"steps": [...]}`` or the shorthand.

    The shorthand ``{"pending_polls": n, "outcome": S, "exception_reason": R, "message": M}``
    gives ``n`` PENDING steps then one step with status ``S`` (SUCCESS when omitted).

    :param other_keys: keys the caller reads itself (e.g. ``run_id``), allowed in ``body``.
    """
    check_keys(body, {"steps", *_CAMB_SHORTHAND, *other_keys}, "body")
    if "steps" in body:
        _refuse_mixing(body, _CAMB_SHORTHAND)
        steps = _step_list(body["steps"])
        for index, step in enumerate(steps):
            check_keys(step, CAMB_STEP_KEYS, f"steps[{index}]")
            if "status" not in step and "raw" not in step:
                raise ScriptError(f"steps[{index}] needs a 'status' (or a 'raw' answer)")
            if not isinstance(step.get("bare", False), bool):
                raise ScriptError(f"steps[{index}].bare must be true or false")
        return steps
    pending = _count(body, "pending_polls", default_pending_polls)
    final: Step = {"status": _outcome(body, CAMB_SUCCESS)}
    if "exception_reason" in body:
        reason = body["exception_reason"]
        if reason is not None and not isinstance(reason, str):
            raise ScriptError("exception_reason must be a string or null")
        final["exception_reason"] = reason
    if "message" in body:
        final["message"] = copy.deepcopy(body["message"])
    return [*camb_default_steps(pending)[:-1], final]


def blendvision_steps_from_body(
    body: Mapping[str, Any], *, default_processing_polls: int, other_keys: Collection[str] = ()
) -> list[Step]:
    """The steps an admin body describes: ``{"steps": [...]}`` or the shorthand.

    A step is a partial ``dubbing_job`` merged onto the job when answered, so it may carry
    any field, wrong-shaped ones included. The shorthand
    ``{"processing_polls": n, "outcome": S, "error_infos": [...]}`` gives one CREATED step,
    ``n`` PROCESSING steps, then one step with status ``S`` (SUCCEEDED when omitted).

    :param other_keys: keys the caller reads itself (e.g. ``job``), allowed in ``body``.
    """
    check_keys(body, {"steps", *_BV_SHORTHAND, *other_keys}, "body")
    if "steps" in body:
        _refuse_mixing(body, _BV_SHORTHAND)
        steps = _step_list(body["steps"])
        for index, step in enumerate(steps):
            if "status" not in step and "raw" not in step:
                raise ScriptError(f"steps[{index}] needs a 'status' (or a 'raw' answer)")
        return steps
    processing = _count(body, "processing_polls", default_processing_polls)
    final: Step = {"status": _outcome(body, BV_SUCCEEDED)}
    if "error_infos" in body:
        if not isinstance(body["error_infos"], list):
            raise ScriptError("error_infos must be a list (use steps for a wrong shape)")
        final["error_infos"] = copy.deepcopy(body["error_infos"])
    return [*blendvision_default_steps(processing)[:-1], final]


def check_keys(mapping: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """Raise :class:`ScriptError` naming any key of ``mapping`` not in ``allowed``."""
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise ScriptError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _refuse_mixing(body: Mapping[str, Any], shorthand: Collection[str]) -> None:
    mixed = sorted(set(body) & set(shorthand))
    if mixed:
        raise ScriptError(f"give either 'steps' or the shorthand, not both (found {', '.join(mixed)})")


def _step_list(value: Any) -> list[Step]:
    if not isinstance(value, list) or not value:
        raise ScriptError("steps must be a non-empty list")
    if not all(isinstance(step, dict) for step in value):
        raise ScriptError("each step must be a JSON object")
    # Copied so a caller mutating its own list later cannot change a running script.
    return copy.deepcopy(value)


def _count(body: Mapping[str, Any], key: str, default: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScriptError(f"{key} must be a non-negative integer")
    return value


def _outcome(body: Mapping[str, Any], default: str) -> str:
    value = body.get("outcome", default)
    if not isinstance(value, str) or not value:
        raise ScriptError("outcome must be a non-empty string (use steps for a wrong shape)")
    return value
