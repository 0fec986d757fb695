"""Everything the emulator remembers: tasks, jobs, registered scripts, the fault plan and counters.

Plain Python with no I/O. The server touches it only from its event loop, so it needs no locks.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from airflow_provider_dubbing.emulator.faults import FaultPlan
from airflow_provider_dubbing.emulator.jobs import (
    BlendVisionJob,
    CambExportTask,
    blendvision_base_job,
    rfc3339_now,
)
from airflow_provider_dubbing.emulator.scripts import (
    BV_CREATED,
    Script,
    ScriptError,
    Step,
    blendvision_default_steps,
    blendvision_steps_from_body,
    camb_default_steps,
    camb_steps_from_body,
)
from airflow_provider_dubbing.emulator.settings import EmulatorSettings


class Stats:
    """Counters of API traffic (the admin API is not counted)."""

    def __init__(self) -> None:
        self.requests = 0
        self.by_route: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.polls: Counter[str] = Counter()
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
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Forget every task, job, script, fault and counter."""
        self.camb_tasks: dict[str, CambExportTask] = {}
        self.camb_run_steps: dict[int, list[Step]] = {}
        self.blendvision_jobs: dict[str, BlendVisionJob] = {}
        self.blendvision_source_steps: dict[str, list[Step]] = {}
        self.faults = FaultPlan()
        self.stats = Stats()

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
        """Give every export created later from run ``run_id`` the script ``body`` describes."""
        steps = self._camb_steps(body, other_keys=())
        self.camb_run_steps[run_id] = steps
        return steps

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

    def create_camb_task(
        self, run_id: int, language: int | str, output_format: str, *, commit: bool = True
    ) -> CambExportTask:
        """A new export of ``run_id``, scripted by its run's script or the default one."""
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

    def create_blendvision_job(self, fields: Mapping[str, Any], *, commit: bool = True) -> BlendVisionJob:
        """A new dubbing job from checked ``fields``, scripted by its source's script or the default."""
        source_id = fields.get("source_id")
        steps = self.blendvision_source_steps.get(str(source_id)) or blendvision_default_steps(
            self.settings.processing_polls
        )
        job_id = str(uuid.uuid4())
        base = {"id": job_id, **fields, "status": BV_CREATED, "created_at": rfc3339_now()}
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
            job.script.advance()
            self.stats.polls[job_id] += 1
        return answer

    def _camb_steps(self, body: Mapping[str, Any], other_keys: tuple[str, ...]) -> list[Step]:
        return camb_steps_from_body(
            body, default_pending_polls=self.settings.pending_polls, other_keys=other_keys
        )

    def _blendvision_steps(self, body: Mapping[str, Any], other_keys: tuple[str, ...]) -> list[Step]:
        return blendvision_steps_from_body(
            body, default_processing_polls=self.settings.processing_polls, other_keys=other_keys
        )
