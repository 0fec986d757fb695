"""The emulator's records of work in progress: CAMB.AI export tasks and BlendVision One dubbing jobs.

Each holds its script and turns the current step into the JSON the real API would answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_dubbing.emulator.scripts import (
    BV_CREATED,
    BV_FAILED,
    BV_SUCCEEDED,
    CAMB_SUCCESS,
    Script,
)

FILES_BASE_URL = "https://files.emulator.invalid"
BV_ERROR_DOMAIN = "cms.blendvision.com"


def rfc3339_now() -> str:
    """The current UTC time as BlendVision writes it: RFC 3339, milliseconds, ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class CambExportTask:
    """One alt-format export task: where it came from and its script.

    A step's missing ``run_id`` is the task's own; a SUCCESS step without a ``message``
    answers ``{"output_url": ...}``; ``"bare": true`` answers only the status string and
    ``"raw": X`` answers ``X`` verbatim.
    """

    task_id: str
    script: Script
    run_id: int | None = None
    language: int | str | None = None
    output_format: str | None = None

    def answer(self) -> Any:
        """The JSON the current step answers."""
        step = self.script.current
        if "raw" in step:
            return step["raw"]
        if step.get("bare"):
            return step.get("status")
        run_id = step.get("run_id", self.run_id)
        if "message" in step:
            message = step["message"]
        elif step.get("status") == CAMB_SUCCESS:
            message = {"output_url": self.output_url(run_id)}
        else:
            message = None
        return {
            "status": step.get("status"),
            "run_id": run_id,
            "exception_reason": step.get("exception_reason"),
            "message": message,
        }

    def output_url(self, run_id: Any) -> str:
        """Where the finished export would be downloaded from (a reserved, unreachable host)."""
        stem = f"run-{run_id}" if run_id is not None else f"task-{self.task_id}"
        if self.language is not None:
            stem += f"-{self.language}"
        return f"{FILES_BASE_URL}/camb/{stem}.{self.output_format or 'mp4'}"


@dataclass
class BlendVisionJob:
    """One dubbing job: its fields as created and its script.

    A step is merged onto the fields. On SUCCEEDED each output gains a file ``id`` unless
    the step gives ``outputs``; on FAILED a default ``error_infos`` is added unless the step
    gives one; ``"raw": X`` answers ``X`` verbatim instead of ``{"dubbing_job": ...}``.
    """

    job_id: str
    base: dict[str, Any]
    script: Script

    def created(self) -> dict[str, Any]:
        """The answer to the create call: the job as stored, before any poll."""
        return {"dubbing_job": dict(self.base)}

    def answer(self) -> Any:
        """The JSON the current step answers."""
        step = self.script.current
        if "raw" in step:
            return step["raw"]
        job = {**self.base, **step}
        status = step.get("status")
        if status == BV_SUCCEEDED and "outputs" not in step:
            job["outputs"] = self._outputs_with_file_ids()
        if status == BV_FAILED and "error_infos" not in step:
            job["error_infos"] = [
                {
                    "reason": "SOURCE_AUDIO_UNREADABLE",
                    "domain": BV_ERROR_DOMAIN,
                    "metadata": {"source_id": str(self.base.get("source_id", ""))},
                }
            ]
        return {"dubbing_job": job}

    def _outputs_with_file_ids(self) -> Any:
        outputs = self.base.get("outputs")
        if not isinstance(outputs, list):
            return outputs
        return [
            {**output, "id": output.get("id") or f"file-{self.job_id}-{output.get('lang_code')}"}
            if isinstance(output, dict)
            else output
            for output in outputs
        ]


def blendvision_base_job(job_id: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plausible job for ``job_id``, with ``fields`` (from an admin body) laid over it."""
    base: dict[str, Any] = {
        "id": job_id,
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "emulator-source",
        "source_lang_code": "en",
        "outputs": [{"lang_code": "ja"}],
        "status": BV_CREATED,
        "created_at": rfc3339_now(),
    }
    base.update(fields or {})
    return base
