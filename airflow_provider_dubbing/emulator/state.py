"""Everything the emulator remembers: tasks, runs, jobs, files, registered scripts, the fault plan,
counters and the clock.

Plain Python with no I/O. The server touches it only from its event loop, so it needs no locks.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_dubbing.emulator import files
from airflow_provider_dubbing.emulator.faults import FaultPlan
from airflow_provider_dubbing.emulator.jobs import (
    RESULT_SHAPES,
    SPELLINGS,
    BlendVisionFile,
    BlendVisionJob,
    CambDubTask,
    CambExportTask,
    CambRun,
    blendvision_base_job,
    blendvision_output_files,
    rfc3339,
    succeeded_run_id,
)
from airflow_provider_dubbing.emulator.media import AUDIO_FORMATS
from airflow_provider_dubbing.emulator.scripts import (
    BV_CREATED,
    Script,
    ScriptError,
    Step,
    blendvision_default_steps,
    blendvision_steps_from_body,
    camb_default_steps,
    camb_steps_from_body,
    check_keys,
)
from airflow_provider_dubbing.emulator.settings import EmulatorSettings

EXPORT_FORMS = ("output_url", "task_id")
# Run ids the emulator hands out to finished dubs start here (a scripted run id may be anything).
FIRST_RUN_ID = 1001
DEFAULT_DUB_TARGETS: tuple[int | str, ...] = (54,)
_RESULT_KEYS = ("result_shape", "spelling")


def utc_now() -> datetime:
    """The real clock: the current time in UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class CambDubScript:
    """What every dub created later from one source video answers, and how its result looks."""

    steps: list[Step]
    result_shape: str | None = None
    spelling: str | None = None


class Stats:
    """Counters of API traffic (the admin API is not counted)."""

    def __init__(self) -> None:
        self.requests = 0
        self.by_route: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.polls: Counter[str] = Counter()
        # "camb" counts export creates (either answer form), "blendvision" job creates; "camb_dub"
        # (dub creates) appears once there is one, so readers of the first two keys see no change.
        self.created: Counter[str] = Counter({"camb": 0, "blendvision": 0})

    def snapshot(self) -> dict[str, Any]:
        """The counters as JSON."""
        return {
            "requests": self.requests,
            "by_route": dict(self.by_route),
            "faults": dict(self.faults),
            "polls": dict(self.polls),
            "created": dict(self.created),
        }


class EmulatorState:
    """The emulator's memory, shared by the API handlers, the admin API and ``EmulatorServer``.

    Calls that take ``commit`` do nothing lasting when it is false: a faulted request
    "did not happen", though a truncated answer still needs the body it would have had.

    :attr:`now` is the clock presigned URLs are dated and checked by; a test may replace it
    (``state.now = lambda: moment``) to prove expiry without waiting. :meth:`reset` puts the
    real clock back.
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Forget every task, run, job, file, script, fault and counter, and restore the real clock."""
        self.now: Callable[[], datetime] = utc_now
        self.camb_tasks: dict[str, CambExportTask] = {}
        self.camb_run_steps: dict[int, list[Step]] = {}
        self.camb_run_answers: dict[int, str] = {}
        self.camb_dubs: dict[str, CambDubTask] = {}
        self.camb_video_scripts: dict[str, CambDubScript] = {}
        self.camb_runs: dict[int, CambRun] = {}
        self.camb_result_overrides: dict[int, dict[str, str]] = {}
        self._next_run_id = FIRST_RUN_ID
        self.blendvision_jobs: dict[str, BlendVisionJob] = {}
        self.blendvision_source_steps: dict[str, list[Step]] = {}
        self.blendvision_files: dict[str, BlendVisionFile] = {}
        self.faults = FaultPlan()
        self.stats = Stats()

    def presign(self, origin: str, service: str, name: str) -> files.PresignedUrl:
        """A presigned URL of file ``name`` on ``origin``, dated now, valid for the settings' TTL."""
        return files.presign(origin, files.file_path(service, name), self.now(), self.settings.file_url_ttl)

    # Admin: scripts. Each raises ScriptError for a body it cannot use.

    def script_camb_task(self, task_id: str, body: Mapping[str, Any]) -> CambExportTask:
        """Create or replace export task ``task_id`` with the script ``body`` describes."""
        steps = self._camb_steps(body, other_keys=("run_id",))
        run_id = body.get("run_id")
        if run_id is not None and (isinstance(run_id, bool) or not isinstance(run_id, int)):
            raise ScriptError("run_id must be an integer or null")
        task = CambExportTask(task_id=task_id, script=Script(steps), run_id=run_id)
        self.camb_tasks[task_id] = task
        return task

    def script_camb_run(self, run_id: int, body: Mapping[str, Any]) -> list[Step]:
        """Give every export created later from run ``run_id`` the script ``body`` describes.

        Such an export answers ``{"task_id": ...}`` (then polls through the script) unless
        ``body["answer"]`` is ``"output_url"``: the file is ready at once, nothing to poll.
        """
        steps = self._camb_steps(body, other_keys=("answer",))
        answer = body.get("answer", "task_id")
        if answer not in EXPORT_FORMS:
            raise ScriptError(f"answer must be one of {', '.join(EXPORT_FORMS)}")
        self.camb_run_steps[run_id] = steps
        self.camb_run_answers[run_id] = answer
        return steps

    def script_camb_dub(self, task_id: str, body: Mapping[str, Any]) -> CambDubTask:
        """Create or replace dubbing task ``task_id`` with the script ``body`` describes.

        ``body`` may also give the ``run_id`` it finishes as (a new one when omitted), its
        ``target_languages`` (``[54]`` when omitted), its ``video_url``, and the
        ``result_shape`` and ``spelling`` of its run's result.
        """
        steps = self._camb_steps(body, other_keys=("run_id", "target_languages", "video_url", *_RESULT_KEYS))
        run_id = body.get("run_id")
        if run_id is not None and (isinstance(run_id, bool) or not isinstance(run_id, int)):
            raise ScriptError("run_id must be an integer or null")
        targets = body.get("target_languages", list(DEFAULT_DUB_TARGETS))
        if (
            not isinstance(targets, list)
            or not targets
            or not all(isinstance(target, (int, str)) and not isinstance(target, bool) for target in targets)
        ):
            raise ScriptError("target_languages must be a non-empty list of language ids or tags")
        video_url = body.get("video_url")
        if video_url is not None and not isinstance(video_url, str):
            raise ScriptError("video_url must be a string")
        shape, spelling = _result_options(body)
        task = CambDubTask(
            task_id=task_id,
            script=Script(steps),
            run_id=self._new_run_id() if run_id is None else run_id,
            target_languages=list(targets),
            video_url=video_url,
            result_shape=shape,
            spelling=spelling,
        )
        self.camb_dubs[task_id] = task
        return task

    def script_camb_video(self, body: Mapping[str, Any]) -> CambDubScript:
        """Give every dub created later from ``body["video_url"]`` the script the rest describes
        (and the ``result_shape`` and ``spelling`` of its run's result)."""
        video_url = body.get("video_url")
        if not isinstance(video_url, str) or not video_url:
            raise ScriptError("video_url is required: the source video's URL, as a dub request gives it")
        steps = self._camb_steps(body, other_keys=("video_url", *_RESULT_KEYS))
        shape, spelling = _result_options(body)
        script = CambDubScript(steps, shape, spelling)
        self.camb_video_scripts[video_url] = script
        return script

    def script_camb_result(self, run_id: int, body: Mapping[str, Any]) -> dict[str, str]:
        """Force the ``result_shape`` and/or ``spelling`` of run ``run_id``'s result, finished or not."""
        check_keys(body, _RESULT_KEYS, "body")
        shape, spelling = _result_options(body)
        options = {key: value for key, value in (("result_shape", shape), ("spelling", spelling)) if value}
        self.camb_result_overrides[run_id] = options
        run = self.camb_runs.get(run_id)
        if run is not None:
            run.overrides = dict(options)
        return options

    def script_blendvision_job(self, job_id: str, body: Mapping[str, Any]) -> BlendVisionJob:
        """Create or replace dubbing job ``job_id``; ``body["job"]`` overrides its base fields."""
        steps = self._blendvision_steps(body, other_keys=("job",))
        fields = body.get("job")
        if fields is not None and not isinstance(fields, dict):
            raise ScriptError("job must be a JSON object of dubbing_job fields")
        job = BlendVisionJob(job_id=job_id, base=blendvision_base_job(job_id, fields), script=Script(steps))
        self.blendvision_jobs[job_id] = job
        return job

    def script_blendvision_source(self, source_id: str, body: Mapping[str, Any]) -> list[Step]:
        """Give every job created later from ``source_id`` the script ``body`` describes."""
        steps = self._blendvision_steps(body, other_keys=())
        self.blendvision_source_steps[source_id] = steps
        return steps

    # The APIs.

    def export_form(self, run_id: int, output_format: str) -> str:
        """How an export of ``run_id`` to ``output_format`` answers: ``"output_url"`` or ``"task_id"``.

        A run scripted through the admin API answers its script's ``answer`` (``task_id`` by
        default); any other follows ``settings.export_answer``, whose ``"mix"`` answers a ready
        ``output_url`` for audio formats and a ``task_id`` for video formats.
        """
        scripted = self.camb_run_answers.get(run_id)
        if scripted is not None:
            return scripted
        if self.settings.export_answer != "mix":
            return self.settings.export_answer
        return "output_url" if output_format in AUDIO_FORMATS else "task_id"

    def create_camb_export(
        self, run_id: int, language: int | str, output_format: str, origin: str, *, commit: bool = True
    ) -> dict[str, str]:
        """The answer to an export of ``run_id``: a ready file's presigned URL, or a new task's id."""
        if self.export_form(run_id, output_format) == "output_url":
            url = self.presign(origin, "camb", f"export-{run_id}-{language}.{output_format}").url
            if commit:
                self.stats.created["camb"] += 1
            return {"output_url": url}
        task = self.create_camb_task(run_id, language, output_format, commit=commit)
        return {"task_id": task.task_id}

    def create_camb_task(
        self, run_id: int, language: int | str, output_format: str, *, commit: bool = True
    ) -> CambExportTask:
        """A new export task of ``run_id``, scripted by its run's script or the default one."""
        steps = self.camb_run_steps.get(run_id) or camb_default_steps(self.settings.pending_polls)
        task = CambExportTask(
            task_id=str(uuid.uuid4()),
            script=Script(steps),
            run_id=run_id,
            language=language,
            output_format=output_format,
        )
        if commit:
            self.camb_tasks[task.task_id] = task
            self.stats.created["camb"] += 1
        return task

    def poll_camb_task(self, task_id: str, *, commit: bool = True) -> Any | None:
        """The answer for ``task_id`` (``None`` when unknown); a committed poll advances it."""
        task = self.camb_tasks.get(task_id)
        if task is None:
            return None
        answer = task.answer()
        if commit:
            task.script.advance()
            self.stats.polls[task_id] += 1
        return answer

    def create_camb_dub(
        self, video_url: str, target_languages: list[int | str], *, commit: bool = True
    ) -> CambDubTask:
        """A new dub of ``video_url``, scripted by its video's script or the default one."""
        script = self.camb_video_scripts.get(video_url)
        steps = script.steps if script else camb_default_steps(self.settings.pending_polls)
        task = CambDubTask(
            task_id=str(uuid.uuid4()),
            script=Script(steps),
            run_id=self._new_run_id(commit=commit),
            target_languages=list(target_languages),
            video_url=video_url,
            result_shape=script.result_shape if script else None,
            spelling=script.spelling if script else None,
        )
        if commit:
            self.camb_dubs[task.task_id] = task
            self.stats.created["camb_dub"] += 1
        return task

    def poll_camb_dub(self, task_id: str, *, commit: bool = True) -> Any | None:
        """The answer for dub ``task_id`` (``None`` when unknown); a committed poll advances it,
        and one answering SUCCESS with an integer run id registers that run as finished."""
        task = self.camb_dubs.get(task_id)
        if task is None:
            return None
        answer = task.answer()
        if commit:
            run_id = succeeded_run_id(answer)
            if run_id is not None and run_id not in self.camb_runs:
                run = task.finished_run(run_id)
                run.overrides = dict(self.camb_result_overrides.get(run_id, {}))
                self.camb_runs[run_id] = run
            task.script.advance()
            self.stats.polls[task_id] += 1
        return answer

    def camb_dub_result(self, run_id: int, origin: str) -> Any | None:
        """The result of finished run ``run_id`` with URLs on ``origin`` (``None`` when not finished)."""
        run = self.camb_runs.get(run_id)
        if run is None:
            return None
        return run.result(lambda service, name: self.presign(origin, service, name).url)

    def create_blendvision_job(self, fields: Mapping[str, Any], *, commit: bool = True) -> BlendVisionJob:
        """A new dubbing job from checked ``fields``, scripted by its source's script or the default."""
        source_id = fields.get("source_id")
        steps = self.blendvision_source_steps.get(str(source_id)) or blendvision_default_steps(
            self.settings.processing_polls
        )
        job_id = str(uuid.uuid4())
        base = {"id": job_id, **fields, "status": BV_CREATED, "created_at": rfc3339(self.now())}
        job = BlendVisionJob(job_id=job_id, base=base, script=Script(steps))
        if commit:
            self.blendvision_jobs[job_id] = job
            self.stats.created["blendvision"] += 1
        return job

    def poll_blendvision_job(self, job_id: str, *, commit: bool = True) -> Any | None:
        """The answer for ``job_id`` (``None`` when unknown); a committed poll advances it."""
        job = self.blendvision_jobs.get(job_id)
        if job is None:
            return None
        answer = job.answer()
        if commit:
            for file in blendvision_output_files(job_id, answer):
                self.blendvision_files[file.file_id] = file
            job.script.advance()
            self.stats.polls[job_id] += 1
        return answer

    def blendvision_download(self, file_id: str, origin: str) -> dict[str, str] | None:
        """The download link of library file ``file_id`` (``None`` unless a SUCCEEDED job named it)."""
        file = self.blendvision_files.get(file_id)
        if file is None:
            return None
        presigned = self.presign(origin, "bv", file.filename)
        return {
            "id": file_id,
            "download_uri": presigned.url,
            "download_filename": file.filename,
            "expiration_time": presigned.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _new_run_id(self, *, commit: bool = True) -> int:
        run_id = self._next_run_id
        while run_id in self.camb_runs:
            run_id += 1
        if commit:
            self._next_run_id = run_id + 1
        return run_id

    def _camb_steps(self, body: Mapping[str, Any], other_keys: tuple[str, ...]) -> list[Step]:
        return camb_steps_from_body(
            body, default_pending_polls=self.settings.pending_polls, other_keys=other_keys
        )

    def _blendvision_steps(self, body: Mapping[str, Any], other_keys: tuple[str, ...]) -> list[Step]:
        return blendvision_steps_from_body(
            body, default_processing_polls=self.settings.processing_polls, other_keys=other_keys
        )


def _result_options(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    shape = body.get("result_shape")
    if shape is not None and shape not in RESULT_SHAPES:
        raise ScriptError(f"result_shape must be one of {', '.join(RESULT_SHAPES)}")
    spelling = body.get("spelling")
    if spelling is not None and spelling not in SPELLINGS:
        raise ScriptError(f"spelling must be one of {', '.join(SPELLINGS)}")
    return shape, spelling
