"""How a wait ended: the one enum of failure kinds, and the one event every trigger yields.

A trigger event crosses a process boundary as JSON (the triggerer stores it, a worker
reads it back), so its shape is a model, not a loose dict: the task validates it again
and refuses anything that does not fit instead of guessing.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FailureKind(str, enum.Enum):
    """How a wait can end badly. The first three are the service's word on the work; the
    others are about the wait itself. :mod:`airflow_provider_dubbing.tasks.failures` maps
    each to the exception that fails the task."""

    JOB_FAILED = "job_failed"
    """The work failed on the service's side (CAMB.AI ``ERROR``, BlendVision ``DUBBING_STATUS_FAILED``)."""
    REMOTE_TIMEOUT = "timed_out"
    """The work timed out on the service's side (CAMB.AI ``TIMEOUT``)."""
    PAYMENT_REQUIRED = "payment_required"
    """The account must pay before the work can finish (CAMB.AI ``PAYMENT_REQUIRED``)."""
    REFUSED = "refused"
    """A check was refused for good (400, 401, 403, 404, 422, a bad connection or argument)."""
    WAIT_TIMEOUT = "timeout"
    """Our own deadline passed before the work ended."""
    UNAVAILABLE = "error"
    """Checks kept failing (connection errors, timeouts, 429, 5xx, answers that are not JSON)."""

    @property
    def is_remote(self) -> bool:
        """Whether the service said the work itself ended badly (final for that id)."""
        return self in _REMOTE


_REMOTE = frozenset({FailureKind.JOB_FAILED, FailureKind.REMOTE_TIMEOUT, FailureKind.PAYMENT_REQUIRED})


class WaitEvent(BaseModel):
    """How a wait ended.

    :param failure: None when the work succeeded (``result`` holds the XCom value); else how
        the wait ended badly.
    :param message: what happened, in words a person understands; never a credential.
    :param object_id: the export task, dub or dubbing job id.
    :param result: for a success, the object's final dict.
    :param remote_status: the last status the service reported, as it spelled it.
    :param reasons: for a remote failure: the service's reasons, one line each.
    :param status_code: for ``refused``: the HTTP status, when the service answered.
    :param checks: how many checks the wait made.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    failure: FailureKind | None = None
    message: str
    object_id: str
    result: dict[str, Any] | None = None
    remote_status: str | None = None
    reasons: tuple[str, ...] = ()
    status_code: int | None = None
    checks: int = Field(default=0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _read_legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status" in data:
            data = dict(data)
            status = data.pop("status")
            # The event's shape before 0.2 (``status`` plus ``failure``, which only "failed"
            # set): an event an older triggerer stored before an upgrade still resumes its
            # task. The other statuses were spelled as the failure kinds are now.
            if status != "success" and status != "failed":
                data["failure"] = status
        return data

    @model_validator(mode="after")
    def _consistent(self) -> WaitEvent:
        if self.failure is None and self.result is None:
            raise ValueError("a success event carries the result")
        return self

    @property
    def succeeded(self) -> bool:
        """Whether the work succeeded."""
        return self.failure is None

    def to_payload(self) -> dict[str, Any]:
        """The JSON-safe dict a ``TriggerEvent`` carries."""
        return self.model_dump(mode="json")
