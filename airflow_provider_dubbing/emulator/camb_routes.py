"""The fake CAMB.AI API under ``/apis``: languages, dubs and their results, alt-format exports.

Errors look like FastAPI's: ``{"detail": "..."}``, or a list of ``loc``/``msg``/``type`` for 422.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from airflow_provider_dubbing.emulator.camb_checks import INTEGER, LOCALE_TAG, check_new_dub, invalid
from airflow_provider_dubbing.emulator.routing import Answer, Api, Call, Route

PREFIX = "/apis"
OUTPUT_FORMATS = ("flac", "wav", "mp3", "aac", "m4a", "mkv", "mp4", "mov", "mxf")
LANGUAGES = (
    {"id": 1, "language": "English", "short_name": "en-us"},
    {"id": 31, "language": "German", "short_name": "de-de"},
    {"id": 54, "language": "Spanish", "short_name": "es-es"},
    {"id": 76, "language": "French", "short_name": "fr-fr"},
    {"id": 88, "language": "Japanese", "short_name": "ja-jp"},
)
_NOT_AN_INTEGER = "value is not a valid integer"


def _error(status: int, message: str) -> Answer:
    return Answer(status, {"detail": message})


def _authenticate(call: Call) -> Answer | None:
    given = call.headers.get("x-api-key", "")
    # Constant-time compare: the emulator should not teach clients a timing side channel.
    if given and hmac.compare_digest(given.encode(), call.state.settings.camb_api_key.encode()):
        return None
    return _error(401, "Invalid API key")


CAMB = Api(name="camb", authenticate=_authenticate, error=_error)


def _languages(call: Call) -> Answer:
    return Answer(200, [dict(language) for language in LANGUAGES])


def _create_export(call: Call) -> Answer:
    problems: list[dict[str, Any]] = []
    raw_run_id = call.params["run_id"]
    if not INTEGER.fullmatch(raw_run_id):
        problems.append(invalid(["path", "run_id"], _NOT_AN_INTEGER, "type_error.integer"))
    raw_language = call.params["language"]
    language: int | str = raw_language
    if INTEGER.fullmatch(raw_language):
        language = int(raw_language)
        if language <= 0:
            problems.append(
                invalid(["path", "language"], "a language id is a positive integer", "value_error")
            )
    elif not LOCALE_TAG.fullmatch(raw_language):
        problems.append(
            invalid(
                ["path", "language"], "must be a language id or a locale tag such as es-ES", "value_error"
            )
        )
    output_format = None
    try:
        body = call.json() if call.body else None
    except ValueError:
        problems.append(invalid(["body"], "the body is not valid JSON", "value_error.jsondecode"))
    else:
        if not isinstance(body, dict) or "output_format" not in body:
            problems.append(invalid(["body", "output_format"], "field required", "value_error.missing"))
        elif body["output_format"] not in OUTPUT_FORMATS:
            problems.append(
                invalid(
                    ["body", "output_format"],
                    f"value is not a valid enumeration member; permitted: {', '.join(OUTPUT_FORMATS)}",
                    "type_error.enum",
                )
            )
        else:
            output_format = body["output_format"]
    if problems or output_format is None:
        return Answer(422, {"detail": problems})
    answer = call.state.create_camb_export(
        int(raw_run_id), language, output_format, call.origin, commit=call.commit
    )
    return Answer(200, answer)


def _bad_run_id_query(call: Call) -> Answer | None:
    run_id = call.query.get("run_id")
    if run_id is not None and not INTEGER.fullmatch(run_id):
        return Answer(422, {"detail": [invalid(["query", "run_id"], _NOT_AN_INTEGER, "type_error.integer")]})
    return None


def _task_status(call: Call) -> Answer:
    return _status(call, call.state.poll_camb_task)


def _status(call: Call, poll: Callable[..., Any]) -> Answer:
    """A task's status (a dub or an export answer alike): 422 for a bad ``run_id`` query, 404 unknown."""
    bad = _bad_run_id_query(call)
    if bad is not None:
        return bad
    task_id = call.params["task_id"]
    answer = poll(task_id, commit=call.commit)
    if answer is None:
        return _error(404, f"Task {task_id} not found")
    return Answer(200, answer)


def _create_dub(call: Call) -> Answer:
    try:
        body = call.json()
    except ValueError:
        return Answer(
            422, {"detail": [invalid(["body"], "the body is not valid JSON", "value_error.jsondecode")]}
        )
    fields, problems = check_new_dub(body)
    if problems:
        return Answer(422, {"detail": problems})
    task = call.state.create_camb_dub(fields["video_url"], fields["target_languages"], commit=call.commit)
    return Answer(200, {"task_id": task.task_id})


def _dub_status(call: Call) -> Answer:
    return _status(call, call.state.poll_camb_dub)


def _dub_result(call: Call) -> Answer:
    raw_run_id = call.params["run_id"]
    if not INTEGER.fullmatch(raw_run_id):
        return Answer(422, {"detail": [invalid(["path", "run_id"], _NOT_AN_INTEGER, "type_error.integer")]})
    result = call.state.camb_dub_result(int(raw_run_id), call.origin)
    if result is None:
        return _error(404, f"Run {raw_run_id} not found or not finished")
    return Answer(200, result)


ROUTES = (
    Route("GET", f"{PREFIX}/source-languages", _languages, CAMB),
    Route("GET", f"{PREFIX}/target-languages", _languages, CAMB),
    Route("POST", f"{PREFIX}/dub", _create_dub, CAMB),
    Route("GET", f"{PREFIX}/dub/{{task_id}}", _dub_status, CAMB),
    Route("GET", f"{PREFIX}/dub-result/{{run_id}}", _dub_result, CAMB),
    Route("POST", f"{PREFIX}/dub-alt-format/{{run_id}}/{{language}}", _create_export, CAMB),
    Route("GET", f"{PREFIX}/dub-alt-format/{{task_id}}", _task_status, CAMB),
)
