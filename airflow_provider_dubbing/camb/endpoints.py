"""CAMB.AI's endpoints as pure call descriptions, plus how its credentials and errors read.

A dub (``POST dub``, then ``GET dub/{task_id}`` until it names its ``run_id``, then
``GET dub-result/{run_id}``) and an alt-format export of a finished run
(``POST dub-alt-format/{run_id}/{language}``, then, when it answered a task id,
``GET dub-alt-format/{task_id}``).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from airflow_provider_dubbing.camb.models import (
    AltFormatExport,
    DubbingResult,
    DubRequest,
    ErrorBody,
    ExportAltFormatRequest,
    Language,
    TaskProgress,
    TaskStarted,
    TaskStatusQuery,
    parse_export_answer,
)
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.config import Secret, ServiceSpec
from airflow_provider_dubbing.client.errors import InvalidInputError
from airflow_provider_dubbing.client.inputs import require_id, validate_input

DEFAULT_BASE_URL = "https://client.camb.ai/apis"


def _error_message(body: Any) -> str | None:
    return ErrorBody.model_validate(body).explain() if isinstance(body, dict) else None


SERVICE = ServiceSpec(
    name="CAMB.AI",
    default_base_url=DEFAULT_BASE_URL,
    error_message=_error_message,
    endpoint_roots=frozenset({"dub", "dub-result", "dub-alt-format", "source-languages", "target-languages"}),
)

_languages = TypeAdapter(list[Language])


def auth_headers(api_key: str) -> dict[str, Secret]:
    """The header that authenticates every CAMB.AI request."""
    return {"x-api-key": Secret(api_key)}


def _task_status(root: str, task_id: str, run_id: int | str | None) -> ApiCall[TaskProgress]:
    checked = validate_input(TaskStatusQuery, run_id=run_id).run_id
    query: dict[str, str | int] = {} if checked is None else {"run_id": checked}
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=(root, require_id("task_id", task_id)),
        query=query,
        parse=TaskProgress.model_validate,
        label=f"GET {root}/{{task_id}}",
    )


def get_alt_format_status(task_id: str, run_id: int | str | None = None) -> ApiCall[TaskProgress]:
    """``GET dub-alt-format/{task_id}``: the status of an export task."""
    return _task_status("dub-alt-format", task_id, run_id)


def export_alt_format(run_id: int | str, language: int | str, output_format: str) -> ApiCall[AltFormatExport]:
    """``POST dub-alt-format/{run_id}/{language}``: export a dubbed run (a URL at once, or a task id)."""
    args = validate_input(
        ExportAltFormatRequest, run_id=run_id, language=language, output_format=output_format
    )
    return ApiCall(
        service=SERVICE,
        method="POST",
        path=("dub-alt-format", str(args.run_id), str(args.language)),
        json_body={"output_format": args.output_format.value},
        parse=parse_export_answer,
        label="POST dub-alt-format/{run_id}/{language}",
    )


def dub(
    video_url: str, source_language: int | str, target_languages: Any, **options: Any
) -> ApiCall[TaskStarted]:
    """``POST dub``: start dubbing a video; the answer is the new task's id.

    The body is checked first (:class:`DubRequest`); an optional field given as None is
    left out, and an unknown one is an :class:`InvalidInputError` naming it.
    """
    arguments = {
        "video_url": video_url,
        "source_language": source_language,
        "target_languages": target_languages,
        **{name: value for name, value in options.items() if value is not None},
    }
    request = validate_input(DubRequest, **arguments)
    return ApiCall(
        service=SERVICE,
        method="POST",
        path=("dub",),
        json_body=request.to_body(),
        parse=TaskStarted.model_validate,
        label="POST dub",
    )


def get_dubbing_status(task_id: str, run_id: int | str | None = None) -> ApiCall[TaskProgress]:
    """``GET dub/{task_id}``: the status of a dub; ``run_id`` names its run once it has one."""
    return _task_status("dub", task_id, run_id)


def get_dubbing_result(run_id: int | str) -> ApiCall[DubbingResult]:
    """``GET dub-result/{run_id}``: where a finished run's dubbed video and audio are."""
    checked = validate_input(TaskStatusQuery, run_id=run_id).run_id
    if checked is None:
        raise InvalidInputError("run_id", "is required: the integer id of a finished dubbing run")
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=("dub-result", str(checked)),
        parse=lambda data: DubbingResult.from_answer(data, checked),
        label="GET dub-result/{run_id}",
    )


def check_output_format(output_format: str) -> str:
    """``output_format`` as the API spells it, or an :class:`InvalidInputError` naming it."""
    # One of the request's own fields, checked by the request model alone.
    return validate_input(_OutputFormatOnly, output_format=output_format).output_format.value


class _OutputFormatOnly(ExportAltFormatRequest):
    run_id: int = 1
    language: int | str = 1


def list_source_languages() -> ApiCall[list[Language]]:
    """``GET source-languages``: a cheap authenticated call, used to test a connection."""
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=("source-languages",),
        parse=_languages.validate_python,
        label="GET source-languages",
    )
