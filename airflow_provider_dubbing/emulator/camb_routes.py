"""The fake CAMB.AI API under ``/apis``: languages, alt-format exports and their status.

Errors look like FastAPI's: ``{"detail": "..."}``, or a list of ``loc``/``msg``/``type`` for 422.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

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

_INTEGER = re.compile(r"-?[0-9]+")
_LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def _error(status: int, message: str) -> Answer:
    return Answer(status, {"detail": message})


def _authenticate(call: Call) -> Answer | None:
    given = call.headers.get("x-api-key", "")
    # Constant-time compare: the emulator should not teach clients a timing side channel.
    if given and hmac.compare_digest(given.encode(), call.state.settings.camb_api_key.encode()):
        return None
    return _error(401, "Invalid API key")


CAMB = Api(name="camb", authenticate=_authenticate, error=_error)


def _invalid(loc: list[str], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind}


def _languages(call: Call) -> Answer:
    return Answer(200, [dict(language) for language in LANGUAGES])


def _create_export(call: Call) -> Answer:
    problems: list[dict[str, Any]] = []
    raw_run_id = call.params["run_id"]
    if not _INTEGER.fullmatch(raw_run_id):
        problems.append(_invalid(["path", "run_id"], "value is not a valid integer", "type_error.integer"))
    raw_language = call.params["language"]
    language: int | str = raw_language
    if _INTEGER.fullmatch(raw_language):
        language = int(raw_language)
        if language <= 0:
            problems.append(
                _invalid(["path", "language"], "a language id is a positive integer", "value_error")
            )
    elif not _LOCALE_TAG.fullmatch(raw_language):
        problems.append(
            _invalid(
                ["path", "language"], "must be a language id or a locale tag such as es-ES", "value_error"
            )
        )
    output_format = None
    try:
        body = call.json() if call.body else None
    except ValueError:
        problems.append(_invalid(["body"], "the body is not valid JSON", "value_error.jsondecode"))
    else:
        if not isinstance(body, dict) or "output_format" not in body:
            problems.append(_invalid(["body", "output_format"], "field required", "value_error.missing"))
        elif body["output_format"] not in OUTPUT_FORMATS:
            problems.append(
                _invalid(
                    ["body", "output_format"],
                    f"value is not a valid enumeration member; permitted: {', '.join(OUTPUT_FORMATS)}",
                    "type_error.enum",
                )
            )
        else:
            output_format = body["output_format"]
    if problems or output_format is None:
        return Answer(422, {"detail": problems})
    task = call.state.create_camb_task(int(raw_run_id), language, output_format, commit=call.commit)
    return Answer(200, {"task_id": task.task_id})


def _task_status(call: Call) -> Answer:
    run_id = call.query.get("run_id")
    if run_id is not None and not _INTEGER.fullmatch(run_id):
        return Answer(
            422,
            {"detail": [_invalid(["query", "run_id"], "value is not a valid integer", "type_error.integer")]},
        )
    task_id = call.params["task_id"]
    answer = call.state.poll_camb_task(task_id, commit=call.commit)
    if answer is None:
        return _error(404, f"Task {task_id} not found")
    return Answer(200, answer)


ROUTES = (
    Route("GET", f"{PREFIX}/source-languages", _languages, CAMB),
    Route("GET", f"{PREFIX}/target-languages", _languages, CAMB),
    Route("POST", f"{PREFIX}/dub-alt-format/{{run_id}}/{{language}}", _create_export, CAMB),
    Route("GET", f"{PREFIX}/dub-alt-format/{{task_id}}", _task_status, CAMB),
)
