"""What each CAMB.AI alt-format status means: the one place that decides it.

| status             | phase     | error                  |
|--------------------|-----------|------------------------|
| PENDING            | waiting   |                        |
| SUCCESS            | succeeded |                        |
| ERROR              | failed    | RemoteJobFailedError   |
| TIMEOUT            | failed    | RemoteTimeoutError     |
| PAYMENT_REQUIRED   | failed    | PaymentRequiredError   |
| anything else      | unknown   |                        |
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_dubbing.camb.endpoints import SERVICE
from airflow_provider_dubbing.camb.models import AltFormatStatus, AltFormatTaskStatus
from airflow_provider_dubbing.client.errors import (
    PaymentRequiredError,
    RemoteJobFailedError,
    RemoteOutcomeError,
    RemoteTimeoutError,
)
from airflow_provider_dubbing.client.outcome import Phase, Verdict, unknown_verdict

_FAILURES: dict[AltFormatStatus, tuple[type[RemoteOutcomeError], str]] = {
    AltFormatStatus.ERROR: (RemoteJobFailedError, "failed"),
    AltFormatStatus.TIMEOUT: (RemoteTimeoutError, "timed out on CAMB.AI's side"),
    AltFormatStatus.PAYMENT_REQUIRED: (
        PaymentRequiredError,
        "needs payment: the CAMB.AI account must be paid up before it can finish",
    ),
}


def export_result(task_id: str, status: AltFormatTaskStatus) -> dict[str, Any]:
    """The JSON-safe dict a task returns: the API's ``status``, ``run_id``,
    ``exception_reason``, ``message`` (and any new field) plus the ``task_id``."""
    return {"task_id": task_id, **status.model_dump(mode="json")}


def judge_export(task_id: str, status: AltFormatTaskStatus) -> Verdict:
    """The verdict on one status answer of export task ``task_id``."""
    what = f"export {task_id!r}"
    value = str(status.status.value)
    result = export_result(task_id, status)
    if status.status == AltFormatStatus.PENDING:
        return Verdict(Phase.WAITING, value, f"{what} is still running", result)
    if status.status == AltFormatStatus.SUCCESS:
        return Verdict(Phase.SUCCEEDED, value, f"{what} finished", result)
    if status.status in _FAILURES:
        error_class, words = _FAILURES[status.status]
        reasons = _reasons(status)
        summary = f"{what} {words} ({value})"
        if reasons:
            summary += ": " + "; ".join(reasons)
        error = error_class(summary, service=SERVICE.name, object_id=task_id, status=value, reasons=reasons)
        return Verdict(Phase.FAILED, value, summary, result, error)
    return unknown_verdict(what, value, result)


def _reasons(status: AltFormatTaskStatus) -> tuple[str, ...]:
    reasons: list[str] = []
    if status.exception_reason:
        reasons.append(status.exception_reason)
    message = status.message
    if message not in (None, "", {}, []):
        text = message if isinstance(message, str) else json.dumps(message, sort_keys=True, default=str)
        if text != status.exception_reason:
            reasons.append(text)
    return tuple(reasons)
