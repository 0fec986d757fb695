"""The emulator's records of work: CAMB.AI export and dubbing tasks, finished dubbing runs, and
BlendVision One dubbing jobs.

Each task or job holds its script and turns the current step into the JSON the real API would answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from airflow_provider_dubbing.emulator.media import AUDIO_FORMATS
from airflow_provider_dubbing.emulator.scripts import (
    BV_CREATED,
    BV_FAILED,
    BV_SUCCEEDED,
    CAMB_SUCCESS,
    Script,
)

BV_ERROR_DOMAIN = "cms.blendvision.com"


RESULT_SHAPES = ("flat", "per_language")
SPELLINGS = ("reference", "sdk")

# A few made-up lines: (start, end, text, speaker); whole seconds, so both spellings hold them.
_TRANSCRIPT = (
    (0, 3, "Welcome back to the workshop.", "SPEAKER_0"),
    (3, 6, "Today we fix the old radio.", "SPEAKER_0"),
    (6, 9, "Pass me the small screwdriver, please.", "SPEAKER_1"),
)

Signer = Callable[[str, str], str]
"""Turns a file's service and name into a presigned URL of it."""


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as BlendVision writes it: RFC 3339, milliseconds, ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def rfc3339_now() -> str:
    """The current UTC time as BlendVision writes it: RFC 3339, milliseconds, ``Z``."""
    return rfc3339(datetime.now(timezone.utc))


def camb_status_answer(step: dict[str, Any], run_id: int | None) -> Any:
    """The JSON a CAMB.AI status step answers (exports and dubs alike).

    A step's missing ``run_id`` is ``run_id``; ``message`` is null unless the step gives one
    (neither the reference nor the SDK documents what it holds); ``"bare": true`` answers only
    the status string and ``"raw": X`` answers ``X`` verbatim.
    """
    if "raw" in step:
        return step["raw"]
    if step.get("bare"):
        return step.get("status")
    return {
        "status": step.get("status"),
        "run_id": step.get("run_id", run_id),
        "exception_reason": step.get("exception_reason"),
        "message": step.get("message"),
    }


def succeeded_run_id(answer: Any) -> int | None:
    """The run id a status answer reports as finished: a SUCCESS object with an integer ``run_id``."""
    if not isinstance(answer, dict) or answer.get("status") != CAMB_SUCCESS:
        return None
    run_id = answer.get("run_id")
    return run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None


@dataclass
class CambExportTask:
    """One alt-format export task: where it came from and its script (see :func:`camb_status_answer`)."""

    task_id: str
    script: Script
    run_id: int | None = None
    language: int | str | None = None
    output_format: str | None = None

    def answer(self) -> Any:
        """The JSON the current step answers."""
        return camb_status_answer(self.script.current, self.run_id)


@dataclass
class CambDubTask:
    """One dubbing task: what it dubs, the run it will finish as, and its script.

    The default script answers ``run_id`` null while PENDING, then the run's id.
    """

    task_id: str
    script: Script
    run_id: int
    target_languages: list[int | str]
    video_url: str | None = None
    result_shape: str | None = None
    spelling: str | None = None

    def answer(self) -> Any:
        """The JSON the current step answers."""
        return camb_status_answer(self.script.current, self.run_id)

    def finished_run(self, run_id: int) -> CambRun:
        """The run this task registers when it answers SUCCESS with ``run_id``."""
        return CambRun(
            run_id=run_id,
            target_languages=list(self.target_languages),
            video_url=self.video_url,
            result_shape=self.result_shape,
            spelling=self.spelling,
        )


@dataclass
class CambRun:
    """A finished dubbing run, whose result ``GET dub-result/{run_id}`` reads.

    By default a run with one target language answers the reference page's flat shape
    (``run_id``, ``output_video_url``, ``output_audio_url``, ``transcript``), and a run with
    several the SDK's map from each target language (as the dub request gave it, as a string)
    to a ``DubbingResult`` (``audio_url``, ``video_url``, ``transcript``). ``result_shape``
    (``flat`` | ``per_language``) and ``spelling`` (``reference`` | ``sdk``) force either; a
    flat answer describes the first target language. The dubbed audio is a ``.wav`` and the
    video an ``.mp4``; in the SDK spelling (whose ``video_url`` is optional) a run whose source
    is an audio file (``video_url`` ending in an audio format) answers ``video_url`` null.
    """

    run_id: int
    target_languages: list[int | str]
    video_url: str | None = None
    result_shape: str | None = None
    spelling: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)

    def result(self, sign: Signer) -> Any:
        """The answer of ``GET dub-result/{run_id}``, its URLs made by ``sign``."""
        shape = self.overrides.get("result_shape") or self.result_shape
        if shape is None:
            shape = "flat" if len(self.target_languages) == 1 else "per_language"
        spelling = self.overrides.get("spelling") or self.spelling
        if spelling is None:
            spelling = "reference" if shape == "flat" else "sdk"
        if shape == "flat":
            return self._one(self.target_languages[0], spelling, sign)
        return {str(language): self._one(language, spelling, sign) for language in self.target_languages}

    def _one(self, language: int | str, spelling: str, sign: Signer) -> dict[str, Any]:
        stem = f"dub-{self.run_id}-{language}"
        audio_url = sign("camb", f"{stem}.wav")
        video_url = sign("camb", f"{stem}.mp4")
        if spelling == "reference":
            return {
                "run_id": self.run_id,
                "output_video_url": video_url,
                "output_audio_url": audio_url,
                "transcript": [
                    {"start": start, "end": end, "text": text, "speaker": speaker}
                    for start, end, text, speaker in _TRANSCRIPT
                ],
            }
        audio_source = (self.video_url or "").partition("?")[0].rpartition(".")[2].lower() in AUDIO_FORMATS
        return {
            "audio_url": audio_url,
            "video_url": None if audio_source else video_url,
            "transcript": [
                {"start": float(start), "end": float(end), "text": text, "speaker": speaker}
                for start, end, text, speaker in _TRANSCRIPT
            ],
        }


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


@dataclass(frozen=True)
class BlendVisionFile:
    """A library file a SUCCEEDED job's output names: served as MP4 for a video source, WAV for audio."""

    file_id: str
    job_id: str
    lang_code: str
    audio: bool

    @property
    def filename(self) -> str:
        """The ``download_filename``: ``{job_id}-{lang}.mp4`` (or ``.wav``)."""
        return f"{self.job_id}-{self.lang_code}.{'wav' if self.audio else 'mp4'}"


def blendvision_output_files(job_id: str, answer: Any) -> list[BlendVisionFile]:
    """The files a SUCCEEDED job's answer names in ``outputs[].id`` (none for any other answer)."""
    job = answer.get("dubbing_job") if isinstance(answer, dict) else None
    if (
        not isinstance(job, dict)
        or job.get("status") != BV_SUCCEEDED
        or not isinstance(job.get("outputs"), list)
    ):
        return []
    audio = job.get("source_type") == "DUBBING_SOURCE_TYPE_AUDIO"
    return [
        BlendVisionFile(output["id"], job_id, str(output.get("lang_code")), audio)
        for output in job["outputs"]
        if isinstance(output, dict) and isinstance(output.get("id"), str) and output["id"]
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
