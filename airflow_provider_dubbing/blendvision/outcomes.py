"""What each BlendVision One dubbing-job status means: the one place that decides it.

| status                       | phase     | failure    |
|------------------------------|-----------|------------|
| DUBBING_STATUS_CREATED       | waiting   |            |
| DUBBING_STATUS_PROCESSING    | waiting   |            |
| DUBBING_STATUS_SUCCEEDED     | succeeded |            |
| DUBBING_STATUS_FAILED        | failed    | JOB_FAILED |
| anything else (UNSPECIFIED…) | unknown   |            |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_dubbing.blendvision.models import DubbingJob, DubbingStatus
from airflow_provider_dubbing.waiting.events import FailureKind
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict, unknown_verdict

_WAITING_WORDS = {
    DubbingStatus.DUBBING_STATUS_CREATED: "is queued",
    DubbingStatus.DUBBING_STATUS_PROCESSING: "is being dubbed",
}


def job_result(job: DubbingJob) -> dict[str, Any]:
    """The JSON-safe dict a task returns: the API's ``dubbing_job`` object, decimals as
    normalized strings and ``created_at`` as an ISO 8601 string (UTC, ``Z``)."""
    return job.model_dump(mode="json")


def downloadable_files(result: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """``(file id, lang_code)`` of each output of a job's dict (:func:`job_result`) that
    names a file, in order; none unless the job succeeded (only then are the files whole)."""
    if result.get("status") != DubbingStatus.DUBBING_STATUS_SUCCEEDED.value:
        return []
    outputs = result.get("outputs") or []
    return [
        (str(output["id"]), output.get("lang_code"))
        for output in outputs
        if isinstance(output, Mapping) and output.get("id")
    ]


def judge_job(job: DubbingJob) -> Verdict:
    """The verdict on one answer about dubbing job ``job.id``."""
    what = f"dubbing job {job.id!r}"
    value = str(job.status.value)
    result = job_result(job)
    if job.status in _WAITING_WORDS:
        return Verdict(Phase.WAITING, value, f"{what} {_WAITING_WORDS[job.status]}", result)
    if job.status == DubbingStatus.DUBBING_STATUS_SUCCEEDED:
        files = ", ".join(o.id for o in job.outputs if o.id) or "none listed"
        return Verdict(Phase.SUCCEEDED, value, f"{what} succeeded (output files: {files})", result)
    if job.status == DubbingStatus.DUBBING_STATUS_FAILED:
        reasons = tuple(info.describe() for info in job.error_infos)
        summary = f"{what} failed: " + ("; ".join(reasons) if reasons else "BlendVision gave no reason")
        return Verdict(Phase.FAILED, value, summary, result, FailureKind.JOB_FAILED, reasons)
    return unknown_verdict(what, value, result)
