"""The one payload every dubbing trigger yields, validated again before a task acts on it.

A trigger event crosses a process boundary as JSON (the triggerer stores it, a worker
reads it back), so its shape is a model, not a loose dict: ``execute_complete`` refuses
anything that does not fit instead of guessing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airflow_provider_dubbing.client.errors import FailureKind
from airflow_provider_dubbing.client.outcome import Phase, Verdict

EventStatus = Literal["success", "failed", "refused", "timeout", "error"]


class WaitEvent(BaseModel):
    """How a wait ended.

    :param status: ``success`` (``result`` holds the XCom value); ``failed`` (the remote
        work ended badly: ``failure`` says how); ``refused`` (401/403/404/400, a bad
        connection); ``timeout`` (our deadline passed); ``error`` (checks kept failing).
    :param message: what happened, in words a person understands; never a credential.
    :param object_id: the export task or dubbing job id.
    :param remote_status: the last status the service reported, as it spelled it.
    :param failure: for ``failed``: ``job_failed``, ``timed_out`` or ``payment_required``.
    :param reasons: for ``failed``: the service's reasons, one line each.
    :param status_code: for ``refused``: the HTTP status, when the service answered.
    :param checks: how many checks the trigger made.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: EventStatus
    message: str
    object_id: str
    result: dict[str, Any] | None = None
    remote_status: str | None = None
    failure: FailureKind | None = None
    reasons: tuple[str, ...] = ()
    status_code: int | None = None
    checks: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> WaitEvent:
        if self.status == "success" and self.result is None:
            raise ValueError("a success event carries the result")
        if self.status == "failed" and self.failure is None:
            raise ValueError("a failed event says how the work failed")
        return self

    def to_payload(self) -> dict[str, Any]:
        """The JSON-safe dict a ``TriggerEvent`` carries."""
        return self.model_dump(mode="json")

    @classmethod
    def for_verdict(cls, verdict: Verdict, *, object_id: str, checks: int) -> WaitEvent:
        """The event that ends a wait on a final verdict (succeeded or failed)."""
        if verdict.phase is Phase.SUCCEEDED:
            return cls(
                status="success",
                message=verdict.summary,
                object_id=object_id,
                result=verdict.result,
                remote_status=verdict.status,
                checks=checks,
            )
        if verdict.phase is Phase.FAILED and verdict.error is not None:
            return cls(
                status="failed",
                message=verdict.summary,
                object_id=object_id,
                remote_status=verdict.status,
                failure=verdict.error.kind,
                reasons=verdict.error.reasons,
                checks=checks,
            )
        raise ValueError(f"a {verdict.phase.value} verdict does not end a wait")
