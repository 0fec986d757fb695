"""The admin API under ``/_emulator``: script tasks and jobs, plan faults, read counters, reset.

No credentials, never faulted, not counted. Bad bodies get 400 ``{"error": "..."}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from airflow_provider_dubbing.emulator.faults import FaultConfigError
from airflow_provider_dubbing.emulator.routing import Answer, Api, Call, Route
from airflow_provider_dubbing.emulator.scripts import ScriptError

PREFIX = "/_emulator"
_INTEGER = re.compile(r"-?[0-9]+")


def _error(status: int, message: str) -> Answer:
    return Answer(status, {"error": message})


def _bad(message: str) -> Answer:
    return _error(400, message)


# Only its error shape is used (for unknown admin paths): admin routes need no credentials.
ADMIN = Api(name="admin", authenticate=lambda call: None, error=_error)


def _admin(handler: Callable[[Call, Any], Answer]) -> Callable[[Call], Answer]:
    """Parse the JSON body (empty means ``{}``), which must be an object, and turn a bad body into a 400."""

    def handle(call: Call) -> Answer:
        try:
            body = call.json() if call.body.strip() else {}
        except ValueError:
            return _bad("the body is not valid JSON")
        if not isinstance(body, dict):
            return _bad("the body must be a JSON object")
        try:
            return handler(call, body)
        except (ScriptError, FaultConfigError) as exc:
            return _bad(str(exc))

    return handle


@_admin
def _camb_task(call: Call, body: Any) -> Answer:
    task = call.state.script_camb_task(call.params["task_id"], body)
    return Answer(200, {"task_id": task.task_id, "run_id": task.run_id, "steps": len(task.script)})


@_admin
def _camb_run(call: Call, body: Any) -> Answer:
    raw_run_id = call.params["run_id"]
    if not _INTEGER.fullmatch(raw_run_id):
        return _bad(f"run_id must be an integer, got {raw_run_id!r}")
    run_id = int(raw_run_id)
    steps = call.state.script_camb_run(run_id, body)
    return Answer(200, {"run_id": run_id, "answer": call.state.camb_run_answers[run_id], "steps": len(steps)})


@_admin
def _camb_dub(call: Call, body: Any) -> Answer:
    task = call.state.script_camb_dub(call.params["task_id"], body)
    return Answer(
        200,
        {
            "task_id": task.task_id,
            "run_id": task.run_id,
            "target_languages": task.target_languages,
            "steps": len(task.script),
        },
    )


@_admin
def _camb_video(call: Call, body: Any) -> Answer:
    script = call.state.script_camb_video(body)
    return Answer(200, {"video_url": body["video_url"], "steps": len(script.steps)})


@_admin
def _camb_result(call: Call, body: Any) -> Answer:
    raw_run_id = call.params["run_id"]
    if not _INTEGER.fullmatch(raw_run_id):
        return _bad(f"run_id must be an integer, got {raw_run_id!r}")
    options = call.state.script_camb_result(int(raw_run_id), body)
    return Answer(200, {"run_id": int(raw_run_id), **options})


@_admin
def _blendvision_job(call: Call, body: Any) -> Answer:
    job = call.state.script_blendvision_job(call.params["job_id"], body)
    return Answer(200, {**job.created(), "steps": len(job.script)})


@_admin
def _blendvision_source(call: Call, body: Any) -> Answer:
    source_id = call.params["source_id"]
    steps = call.state.script_blendvision_source(source_id, body)
    return Answer(200, {"source_id": source_id, "steps": len(steps)})


@_admin
def _set_faults(call: Call, body: Any) -> Answer:
    call.state.faults.configure_from_body(body)
    return Answer(200, {"faults": call.state.faults.describe()})


@_admin
def _queue_faults(call: Call, body: Any) -> Answer:
    call.state.faults.enqueue_from_body(body)
    return Answer(200, {"faults": call.state.faults.describe()})


def _get_faults(call: Call) -> Answer:
    return Answer(200, {"faults": call.state.faults.describe()})


def _stats(call: Call) -> Answer:
    return Answer(200, call.state.stats.snapshot())


def _reset(call: Call) -> Answer:
    call.state.reset()
    return Answer(200, {"ok": True})


def _health(call: Call) -> Answer:
    return Answer(200, {"ok": True})


ROUTES = (
    Route("PUT", f"{PREFIX}/camb/tasks/{{task_id}}", _camb_task, None),
    Route("PUT", f"{PREFIX}/camb/runs/{{run_id}}", _camb_run, None),
    Route("PUT", f"{PREFIX}/camb/dubs/{{task_id}}", _camb_dub, None),
    Route("PUT", f"{PREFIX}/camb/videos", _camb_video, None),
    Route("PUT", f"{PREFIX}/camb/results/{{run_id}}", _camb_result, None),
    Route("PUT", f"{PREFIX}/blendvision/jobs/{{job_id}}", _blendvision_job, None),
    Route("PUT", f"{PREFIX}/blendvision/sources/{{source_id}}", _blendvision_source, None),
    Route("GET", f"{PREFIX}/faults", _get_faults, None),
    Route("PUT", f"{PREFIX}/faults", _set_faults, None),
    Route("PUT", f"{PREFIX}/faults/next", _queue_faults, None),
    Route("GET", f"{PREFIX}/stats", _stats, None),
    Route("POST", f"{PREFIX}/reset", _reset, None),
    Route("GET", f"{PREFIX}/health", _health, None),
)
