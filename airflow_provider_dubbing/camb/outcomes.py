"""What each CAMB.AI task status means, for dubs and exports alike: the one place that decides it.

| status             | phase     | failure          |
|--------------------|-----------|------------------|
| PENDING            | waiting   |                  |
| SUCCESS            | succeeded |                  |
| ERROR              | failed    | JOB_FAILED       |
| TIMEOUT            | failed    | REMOTE_TIMEOUT   |
| PAYMENT_REQUIRED   | failed    | PAYMENT_REQUIRED |
| anything else      | unknown   |                  |

An export whose create call answered ``output_url`` is finished at once (succeeded).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_dubbing.camb.models import DubbingResult, ExportReady, TaskProgress, TaskStatus
from airflow_provider_dubbing.client.urls import shown_text, shown_url
from airflow_provider_dubbing.waiting.events import FailureKind
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict, unknown_verdict

_FAILURES: dict[TaskStatus, tuple[FailureKind, str]] = {
    TaskStatus.ERROR: (FailureKind.JOB_FAILED, "failed"),
    TaskStatus.TIMEOUT: (FailureKind.REMOTE_TIMEOUT, "timed out on CAMB.AI's side"),
    TaskStatus.PAYMENT_REQUIRED: (
        FailureKind.PAYMENT_REQUIRED,
        "needs payment: the CAMB.AI account must be paid up before it can finish",
    ),
}


def dubbing_status_result(task_id: str, progress: TaskProgress) -> dict[str, Any]:
    """The JSON-safe dict a dub's wait returns: the API's ``status``, ``run_id``,
    ``exception_reason``, ``message`` (and any new field) plus the ``task_id``."""
    return {"task_id": task_id, **progress.model_dump(mode="json")}


def export_result(
    task_id: str | None, progress: TaskProgress, output_url: str | None = None
) -> dict[str, Any]:
    """The JSON-safe dict an export's wait returns: as :func:`dubbing_status_result`, plus
    ``output_url``: the presigned URL when CAMB.AI gave one, else None.

    The status answer documents no file location, so an export that was polled to
    ``SUCCESS`` has ``output_url`` None unless the answer itself carried that field.
    """
    fields = progress.model_dump(mode="json")
    answered = fields.pop("output_url", None)
    url = output_url or (answered if isinstance(answered, str) and answered else None)
    return {"task_id": task_id, **fields, "output_url": url}


def ready_export_result(answer: ExportReady, run_id: int | str) -> dict[str, Any]:
    """The dict of an export that answered ``output_url`` at once: ``SUCCESS``, with that URL."""
    progress = TaskProgress(status=TaskStatus.SUCCESS, run_id=int(run_id))
    return export_result(answer.task_id, progress, answer.output_url)


def judge_dubbing(task_id: str, progress: TaskProgress) -> Verdict:
    """The verdict on one status answer of dub ``task_id``."""
    return _judge(f"dub {task_id!r}", progress, dubbing_status_result(task_id, progress))


def judge_export(task_id: str, progress: TaskProgress) -> Verdict:
    """The verdict on one status answer of export task ``task_id``."""
    return _judge(f"export {task_id!r}", progress, export_result(task_id, progress))


def judge_ready_export(
    answer: ExportReady, run_id: int | str, language: int | str, output_format: str
) -> Verdict:
    """The verdict on an export whose create call answered a URL: finished."""
    summary = f"export of run {run_id} ({language}, {output_format}) is ready: {shown_url(answer.output_url)}"
    return Verdict(Phase.SUCCEEDED, TaskStatus.SUCCESS.value, summary, ready_export_result(answer, run_id))


def judge_dubbing_result(result: DubbingResult) -> Verdict:
    """The verdict on a finished run's result: succeeded, with the JSON-safe dict a task
    returns (``run_id`` and ``outputs``, one per language, each ``{"language",
    "video_url", "audio_url", "transcript"}``, the URLs presigned) and a summary that
    shows each URL without its signature."""
    files = "; ".join(
        f"{out.language or 'dubbed'}: video {shown_url(out.video_url)}, audio {shown_url(out.audio_url)}"
        for out in result.outputs
    )
    summary = f"run {result.run_id} has {len(result.outputs)} dubbed output(s): {files or 'none listed'}"
    return Verdict(Phase.SUCCEEDED, TaskStatus.SUCCESS.value, summary, result.model_dump(mode="json"))


def _judge(what: str, progress: TaskProgress, result: dict[str, Any]) -> Verdict:
    value = str(progress.status.value)
    if progress.status == TaskStatus.PENDING:
        return Verdict(Phase.WAITING, value, f"{what} is still running", result)
    if progress.status == TaskStatus.SUCCESS:
        run = f" (run {progress.run_id})" if progress.run_id is not None else ""
        return Verdict(Phase.SUCCEEDED, value, f"{what} finished{run}", result)
    if progress.status in _FAILURES:
        failure, words = _FAILURES[progress.status]
        reasons = _reasons(progress)
        summary = f"{what} {words} ({value})"
        if reasons:
            summary += ": " + "; ".join(reasons)
        return Verdict(Phase.FAILED, value, summary, result, failure, reasons)
    return unknown_verdict(what, value, result)


def _reasons(progress: TaskProgress) -> tuple[str, ...]:
    reasons: list[str] = []
    if progress.exception_reason:
        reasons.append(shown_text(progress.exception_reason))
    message = progress.message
    if message not in (None, "", {}, []):
        text = message if isinstance(message, str) else json.dumps(message, sort_keys=True, default=str)
        # A message is undocumented free text: a presigned URL in it is shown without its signature.
        text = shown_text(text)
        if text not in reasons:
            reasons.append(text)
    return tuple(reasons)
