"""BlendVision One's endpoints as pure call descriptions, plus how its credentials and errors read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from airflow_provider_dubbing.blendvision.models import (
    DubbingJob,
    DubbingJobEnvelope,
    FileDownloadLink,
    NewDubbingJob,
    RpcStatus,
)
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.config import Secret, ServiceSpec
from airflow_provider_dubbing.client.errors import InvalidInputError
from airflow_provider_dubbing.client.inputs import require_id, validate_input

DEFAULT_BASE_URL = "https://api.one.blendvision.com"

# gRPC code names, so "NOT_FOUND: ..." reads better than "5: ...".
_GRPC_CODES = {
    1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
    6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
    10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
    15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}  # fmt: skip


def _error_message(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    status = RpcStatus.model_validate(body)
    code = _GRPC_CODES.get(status.code)
    if code and status.message:
        return f"{code}: {status.message}"
    return status.message or code


SERVICE = ServiceSpec(
    name="BlendVision One",
    default_base_url=DEFAULT_BASE_URL,
    error_message=_error_message,
    endpoint_roots=frozenset({"bv"}),
)


def auth_headers(api_token: str, org_id: str) -> dict[str, Secret]:
    """The headers that authenticate every BlendVision One request made with an API token."""
    return {"authorization": Secret(f"Bearer {api_token}"), "x-bv-org-id": Secret(org_id)}


_account = TypeAdapter(dict[str, Any])


def _job(data: Any) -> DubbingJob:
    return DubbingJobEnvelope.model_validate(data).dubbing_job


def get_dubbing_job(job_id: str) -> ApiCall[DubbingJob]:
    """``GET /bv/cms/v1/dubbing-jobs/{id}``."""
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=("bv", "cms", "v1", "dubbing-jobs", require_id("job_id", job_id)),
        parse=_job,
        label="GET /bv/cms/v1/dubbing-jobs/{id}",
    )


def create_dubbing_job(
    source_type: str,
    source_id: str,
    source_lang_code: str,
    target_lang_code: str,
    interval_sec: Any = None,
) -> ApiCall[DubbingJob]:
    """``POST /bv/cms/v1/dubbing-jobs``: the arguments are checked before the call is built."""
    job = validate_input(
        NewDubbingJob,
        source_type=source_type,
        source_id=source_id,
        source_lang_code=source_lang_code,
        target_lang_code=target_lang_code,
        interval_sec=interval_sec,
    )
    return ApiCall(
        service=SERVICE,
        method="POST",
        path=("bv", "cms", "v1", "dubbing-jobs"),
        json_body=job.to_body(),
        parse=_job,
        label="POST /bv/cms/v1/dubbing-jobs",
    )


def download_link(file_id: str) -> ApiCall[FileDownloadLink]:
    """``POST /bv/cms/v1/library/files/{id}:download``: a presigned link to one library file.

    The POST creates nothing, but it is retried as any POST is: only when the request
    surely never reached the server.
    """
    return ApiCall(
        service=SERVICE,
        method="POST",
        path=("bv", "cms", "v1", "library", "files", require_id("file_id", file_id)),
        verb="download",
        json_body={},
        parse=FileDownloadLink.model_validate,
        label="POST /bv/cms/v1/library/files/{id}:download",
    )


def check_file_ids(file_ids: Any, field_name: str = "file_ids") -> list[str]:
    """``file_ids`` (one library file id, or a list of them) as a non-empty list of checked ids.

    :raises InvalidInputError: naming ``file_ids`` (or ``file_ids[i]``) when the value is
        empty, not a string or list, or an id in it is blank or malformed.
    """
    if isinstance(file_ids, (str, int)) and not isinstance(file_ids, bool):
        text = str(file_ids).strip()
        if text.startswith("[") and text.endswith("]"):
            raise InvalidInputError(
                field_name,
                f"is a list rendered as text ({text[:60]!r}); pass the XComArg itself, or set the "
                "DAG's render_template_as_native_obj=True",
            )
        return [require_id(field_name, file_ids)]
    if not isinstance(file_ids, Sequence) or isinstance(file_ids, (bytes, bytearray)):
        raise InvalidInputError(
            field_name, f"must be a library file id or a list of them, got {type(file_ids).__name__}"
        )
    ids = [require_id(f"{field_name}[{i}]", value) for i, value in enumerate(file_ids)]
    if not ids:
        raise InvalidInputError(field_name, "must not be empty: give at least one library file id")
    return ids


def get_accounts() -> ApiCall[dict[str, Any]]:
    """``GET /bv/account/v1/accounts``: a cheap authenticated call, used to test a connection."""
    return ApiCall(
        service=SERVICE,
        method="GET",
        path=("bv", "account", "v1", "accounts"),
        parse=_account.validate_python,
        label="GET /bv/account/v1/accounts",
    )
