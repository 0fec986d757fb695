"""CAMB.AI's endpoints as pure call descriptions, plus how its credentials and errors read."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from airflow_provider_dubbing.camb.models import (
    AltFormatStatusQuery,
    AltFormatTaskStatus,
    ErrorBody,
    ExportAltFormatRequest,
    ExportAltFormatResponse,
    Language,
)
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.config import Secret, ServiceSpec
from airflow_provider_dubbing.client.inputs import require_id, validate_input

DEFAULT_BASE_URL = "https://client.camb.ai/apis"


def _error_message(body: Any) -> str | None:
    return ErrorBody.model_validate(body).explain() if isinstance(body, dict) else None


SERVICE = ServiceSpec(
    name="CAMB.AI",
    default_base_url=DEFAULT_BASE_URL,
    error_message=_error_message,
    endpoint_roots=frozenset({"dub-alt-format", "source-languages", "target-languages"}),
)

_languages = TypeAdapter(list[Language])


def auth_headers(api_key: str) -> dict[str, Secret]:
    """The header that authenticates every CAMB.AI request."""
    return {"x-api-key": Secret(api_key)}


def get_alt_format_status(task_id: str, run_id: int | str | None = None) -> ApiCall[AltFormatTaskStatus]:
    """``GET dub-alt-format/{task_id}``: the status of an export task."""
    checked = validate_input(AltFormatStatusQuery, run_id=run_id).run_id
    query: dict[str, str | int] = {} if checked is None else {"run_id": checked}
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=("dub-alt-format", require_id("task_id", task_id)),
        query=query,
        parse=AltFormatTaskStatus.model_validate,
        label="GET dub-alt-format/{task_id}",
    )


def export_alt_format(
    run_id: int | str, language: int | str, output_format: str
) -> ApiCall[ExportAltFormatResponse]:
    """``POST dub-alt-format/{run_id}/{language}``: start exporting a dubbed run."""
    args = validate_input(
        ExportAltFormatRequest, run_id=run_id, language=language, output_format=output_format
    )
    return ApiCall(
        service=SERVICE,
        method="POST",
        path=("dub-alt-format", str(args.run_id), str(args.language)),
        json_body={"output_format": args.output_format.value},
        parse=ExportAltFormatResponse.model_validate,
        label="POST dub-alt-format/{run_id}/{language}",
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
