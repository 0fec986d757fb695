"""The fake BlendVision One API: the caller's account, CMS dubbing jobs, and download links of their outputs.

Errors are ``google.rpc.Status`` bodies: ``{"code": <gRPC code>, "message": ..., "details": [...]}``.
"""

from __future__ import annotations

import hmac
from typing import Any

from airflow_provider_dubbing.emulator.blendvision_checks import check_new_job
from airflow_provider_dubbing.emulator.routing import Answer, Api, Call, Route

# The gRPC code each HTTP status maps to, as grpc-gateway maps them back.
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 429: 8, 500: 13, 502: 14, 503: 14, 504: 4}
_BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


def _error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> Answer:
    return Answer(status, {"code": GRPC_CODES.get(status, 2), "message": message, "details": details or []})


def _same(given: str, expected: str) -> bool:
    # Constant-time compare: the emulator should not teach clients a timing side channel.
    return hmac.compare_digest(given.encode(), expected.encode())


def _authenticate(call: Call) -> Answer | None:
    settings = call.state.settings
    scheme, _, token = call.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or not _same(token.strip(), settings.bv_token):
        return _error(401, "the authorization header is missing or its token is not valid")
    if not _same(call.headers.get("x-bv-org-id", ""), settings.bv_org_id):
        return _error(403, "the token has no permission in the organization named by x-bv-org-id")
    return None


BLENDVISION = Api(name="blendvision", authenticate=_authenticate, error=_error)


def _account(call: Call) -> Answer:
    org_id = call.state.settings.bv_org_id
    return Answer(200, {"account": {"id": "account-emulator", "name": "Emulator", "org_id": org_id}})


def _create_job(call: Call) -> Answer:
    try:
        body = call.json()
    except ValueError:
        return _error(400, "the request body is not valid JSON")
    fields, problems = check_new_job(body)
    if problems:
        message = "; ".join(f"invalid {problem.field}: {problem.description}" for problem in problems)
        details = [
            {"@type": _BAD_REQUEST_TYPE, "field_violations": [problem.as_json() for problem in problems]}
        ]
        return _error(400, message, details)
    job = call.state.create_blendvision_job(fields, commit=call.commit)
    return Answer(200, job.created())


def _get_job(call: Call) -> Answer:
    job_id = call.params["id"]
    answer = call.state.poll_blendvision_job(job_id, commit=call.commit)
    if answer is None:
        return _error(404, f"dubbing job {job_id} not found")
    return Answer(200, answer)


def _download(call: Call) -> Answer:
    if call.body.strip():
        try:
            body = call.json()
        except ValueError:
            return _error(400, "the request body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "the request body must be a JSON object")
    file_id = call.params["id"]
    answer = call.state.blendvision_download(file_id, call.origin)
    if answer is None:
        return _error(404, f"file {file_id} not found")
    return Answer(200, answer)


ROUTES = (
    Route("GET", "/bv/account/v1/accounts", _account, BLENDVISION),
    Route("POST", "/bv/cms/v1/dubbing-jobs", _create_job, BLENDVISION),
    Route("GET", "/bv/cms/v1/dubbing-jobs/{id}", _get_job, BLENDVISION),
    # A gRPC-gateway custom verb: the id is one encoded segment, ":download" follows it unencoded.
    Route("POST", "/bv/cms/v1/library/files/{id}:download", _download, BLENDVISION),
)
