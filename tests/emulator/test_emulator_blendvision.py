"""The fake BlendVision One API over real HTTP: credentials, create checks, scripted jobs, path ids."""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer

JOBS = "/bv/cms/v1/dubbing-jobs"
NEW_JOB: dict[str, Any] = {
    "dubbing_job": {
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "vod-1",
        "source_lang_code": "en-US",
        "outputs": [{"lang_code": "ja"}],
    }
}
RFC3339_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
ROUTES = [("GET", "/bv/account/v1/accounts"), ("POST", JOBS), ("GET", f"{JOBS}/some-job")]


def _segment(value: str) -> str:
    """One path segment, encoded as the package's client encodes ids."""
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _new_job(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(NEW_JOB)
    body["dubbing_job"].update(changes)
    return body


def _get(client: httpx.Client, job_id: str, headers: dict[str, str]) -> httpx.Response:
    return client.get(f"{JOBS}/{_segment(job_id)}", headers=headers)


def _assert_rpc_status(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["details"], list)
    return body


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Basic xyz", "Bearer"],
    ids=["missing", "wrong", "basic", "no-token"],
)
def test_a_missing_or_wrong_token_answers_401_unauthenticated(
    client: httpx.Client, bv_headers: dict[str, str], method: str, path: str, authorization: str | None
) -> None:
    headers = {"x-bv-org-id": bv_headers["x-bv-org-id"]}
    if authorization is not None:
        headers["authorization"] = authorization

    response = client.request(method, path, headers=headers, json=NEW_JOB)

    assert _assert_rpc_status(response, 401, 16)["details"] == []


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("org_id", [None, "someone-elses-org"])
def test_a_good_token_with_a_missing_or_wrong_org_answers_403_permission_denied(
    client: httpx.Client, bv_headers: dict[str, str], method: str, path: str, org_id: str | None
) -> None:
    headers = {"authorization": bv_headers["authorization"]}
    if org_id is not None:
        headers["x-bv-org-id"] = org_id

    response = client.request(method, path, headers=headers, json=NEW_JOB)

    assert _assert_rpc_status(response, 403, 7)["details"] == []


def test_the_account_answers_for_good_credentials(client: httpx.Client, bv_headers: dict[str, str]) -> None:
    response = client.get("/bv/account/v1/accounts", headers=bv_headers)

    assert response.status_code == 200
    assert response.json()["account"]["org_id"] == bv_headers["x-bv-org-id"]


def test_create_answers_the_new_job_created_with_an_id_and_a_utc_timestamp(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    response = client.post(JOBS, headers=bv_headers, json=NEW_JOB)

    assert response.status_code == 200
    job = response.json()["dubbing_job"]
    assert job["id"]
    assert job["status"] == "DUBBING_STATUS_CREATED"
    assert RFC3339_Z.fullmatch(job["created_at"])
    assert job["outputs"] == [{"lang_code": "ja"}]
    assert {key: job[key] for key in ("source_type", "source_id", "source_lang_code")} == {
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "vod-1",
        "source_lang_code": "en-US",
    }


def test_a_default_job_is_created_once_processing_for_processing_polls_then_succeeds(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    job_id = client.post(JOBS, headers=bv_headers, json=NEW_JOB).json()["dubbing_job"]["id"]

    jobs = [_get(client, job_id, bv_headers).json()["dubbing_job"] for _ in range(5)]

    assert [job["status"] for job in jobs] == [
        "DUBBING_STATUS_CREATED",
        "DUBBING_STATUS_PROCESSING",
        "DUBBING_STATUS_PROCESSING",
        "DUBBING_STATUS_SUCCEEDED",
        "DUBBING_STATUS_SUCCEEDED",
    ]
    assert all("id" not in output for job in jobs[:3] for output in job["outputs"])
    assert jobs[3]["outputs"] == [{"lang_code": "ja", "id": f"file-{job_id}-ja"}]
    assert "error_infos" not in jobs[3]


@pytest.mark.parametrize(
    ("start", "end", "normalized"),
    [
        ("+.5", "1.25E2", ("0.5", "1.25e2")),
        ("2.5e0", "-3", ("2.5", "-3")),
        ("0", "5.", ("0", "5")),  # a bare trailing point goes, as in the client (README)
        ("1e-3", ".75E+1", ("1e-3", "0.75e1")),
    ],
)
def test_interval_decimals_are_accepted_and_normalized(
    client: httpx.Client, bv_headers: dict[str, str], start: str, end: str, normalized: tuple[str, str]
) -> None:
    body = _new_job(interval_sec={"start": {"value": start}, "end": {"value": end}})

    response = client.post(JOBS, headers=bv_headers, json=body)

    assert response.status_code == 200, response.text
    interval = response.json()["dubbing_job"]["interval_sec"]
    assert (interval["start"]["value"], interval["end"]["value"]) == normalized


@pytest.mark.parametrize("value", ["1,5", "1 000", ".", "", "e5", "1e", "1.2.3", "+-1", "0x10", "\u0661"])
def test_a_bad_interval_decimal_answers_400_naming_the_field(
    client: httpx.Client, bv_headers: dict[str, str], value: str
) -> None:
    body = _new_job(interval_sec={"start": {"value": value}})

    response = client.post(JOBS, headers=bv_headers, json=body)

    error = _assert_rpc_status(response, 400, 3)
    assert "dubbing_job.interval_sec.start.value" in error["message"]
    violations = error["details"][0]["field_violations"]
    assert [violation["field"] for violation in violations] == ["dubbing_job.interval_sec.start.value"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outputs": [{"lang_code": "ja"}, {"lang_code": "fr"}]}, "dubbing_job.outputs"),
        ({"outputs": []}, "dubbing_job.outputs"),
        ({"outputs": None}, "dubbing_job.outputs"),
        ({"outputs": [{"lang_code": "japanese"}]}, "dubbing_job.outputs[0].lang_code"),
        ({"source_type": "DUBBING_SOURCE_TYPE_IMAGE"}, "dubbing_job.source_type"),
        ({"source_id": ""}, "dubbing_job.source_id"),
        ({"source_lang_code": "en_us"}, "dubbing_job.source_lang_code"),
        ({"interval_sec": {"start": {"value": 1.5}}}, "dubbing_job.interval_sec.start.value"),
        ({"speed": 2}, "dubbing_job.speed"),
    ],
)
def test_an_invalid_create_answers_400_invalid_argument_naming_the_field(
    client: httpx.Client, bv_headers: dict[str, str], changes: dict[str, Any], field: str
) -> None:
    response = client.post(JOBS, headers=bv_headers, json=_new_job(**changes))

    error = _assert_rpc_status(response, 400, 3)
    assert field in error["message"]
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"


@pytest.mark.parametrize("content", [b"", b"{oops", b"[]", b'{"job": {}}'])
def test_a_create_body_without_a_dubbing_job_answers_400(
    client: httpx.Client, bv_headers: dict[str, str], content: bytes
) -> None:
    response = client.post(JOBS, headers=bv_headers, content=content)

    _assert_rpc_status(response, 400, 3)


def test_output_only_fields_in_a_create_body_are_ignored(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    body = _new_job(
        id="mine", status="DUBBING_STATUS_SUCCEEDED", outputs=[{"id": "file-x", "lang_code": "ja"}]
    )

    job = client.post(JOBS, headers=bv_headers, json=body).json()["dubbing_job"]

    assert job["id"] != "mine"
    assert job["status"] == "DUBBING_STATUS_CREATED"
    assert job["outputs"] == [{"lang_code": "ja"}]


def test_an_unknown_job_answers_404_not_found(client: httpx.Client, bv_headers: dict[str, str]) -> None:
    response = _get(client, "no-such-job", bv_headers)

    assert _assert_rpc_status(response, 404, 5)["details"] == []


def test_a_failed_step_without_error_infos_gets_the_default_one(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    put = client.put(
        "/_emulator/blendvision/jobs/doomed",
        json={"processing_polls": 0, "outcome": "DUBBING_STATUS_FAILED", "job": {"source_id": "aod-9"}},
    )
    assert put.status_code == 200

    jobs = [_get(client, "doomed", bv_headers).json()["dubbing_job"] for _ in range(2)]

    assert [job["status"] for job in jobs] == ["DUBBING_STATUS_CREATED", "DUBBING_STATUS_FAILED"]
    assert jobs[1]["error_infos"] == [
        {
            "reason": "SOURCE_AUDIO_UNREADABLE",
            "domain": "cms.blendvision.com",
            "metadata": {"source_id": "aod-9"},
        }
    ]


def test_a_scripted_job_merges_each_step_even_unknown_statuses_and_wrong_shapes(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    error_infos = [{"reason": "QUOTA_EXCEEDED", "domain": "billing.blendvision.com", "metadata": {}}]
    steps = [
        {"status": "DUBBING_STATUS_QUEUED"},
        {"status": "DUBBING_STATUS_PROCESSING", "outputs": "not-a-list", "progress": 0.5},
        {"status": "DUBBING_STATUS_FAILED", "error_infos": error_infos},
    ]
    client.put("/_emulator/blendvision/jobs/odd", json={"steps": steps, "job": {"source_lang_code": "zh"}})

    jobs = [_get(client, "odd", bv_headers).json()["dubbing_job"] for _ in range(4)]

    assert jobs[0]["status"] == "DUBBING_STATUS_QUEUED"
    assert jobs[0]["id"] == "odd"
    assert jobs[0]["source_lang_code"] == "zh"
    assert jobs[1]["outputs"] == "not-a-list"
    assert jobs[1]["progress"] == 0.5
    assert jobs[2]["error_infos"] == error_infos
    assert jobs[3] == jobs[2]


def test_a_raw_step_answers_any_json_verbatim(client: httpx.Client, bv_headers: dict[str, str]) -> None:
    client.put("/_emulator/blendvision/jobs/raw", json={"steps": [{"raw": {"job": None}}]})

    assert _get(client, "raw", bv_headers).json() == {"job": None}


def test_a_source_script_applies_to_jobs_created_later_from_that_source(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    client.put(
        "/_emulator/blendvision/sources/vod-bad",
        json={"processing_polls": 1, "outcome": "DUBBING_STATUS_FAILED"},
    )

    scripted = client.post(JOBS, headers=bv_headers, json=_new_job(source_id="vod-bad")).json()[
        "dubbing_job"
    ]["id"]
    other = client.post(JOBS, headers=bv_headers, json=NEW_JOB).json()["dubbing_job"]["id"]

    statuses = [_get(client, scripted, bv_headers).json()["dubbing_job"]["status"] for _ in range(3)]
    assert statuses == ["DUBBING_STATUS_CREATED", "DUBBING_STATUS_PROCESSING", "DUBBING_STATUS_FAILED"]
    assert _get(client, other, bv_headers).json()["dubbing_job"]["status"] == "DUBBING_STATUS_CREATED"


@pytest.mark.parametrize("job_id", ["a/b", "with space", "日本語", "..", ".", "100%", "a?b#c", "x%2Fy"])
def test_ids_travel_as_one_encoded_segment_and_match_decoded(
    server: EmulatorServer,
    client: httpx.Client,
    bv_headers: dict[str, str],
    camb_headers: dict[str, str],
    job_id: str,
) -> None:
    put = client.put(f"/_emulator/blendvision/jobs/{_segment(job_id)}", json={"steps": [{"status": "S1"}]})
    assert put.status_code == 200
    assert put.json()["dubbing_job"]["id"] == job_id
    server.script_camb_task(job_id, [{"status": "C1"}])

    job = _get(client, job_id, bv_headers)
    task = client.get(f"/apis/dub-alt-format/{_segment(job_id)}", headers=camb_headers)

    assert job.status_code == 200
    assert job.json()["dubbing_job"]["id"] == job_id
    assert job.json()["dubbing_job"]["status"] == "S1"
    assert task.status_code == 200
    assert task.json()["status"] == "C1"


def test_an_encoded_slash_is_not_a_path_separator(client: httpx.Client, bv_headers: dict[str, str]) -> None:
    client.put("/_emulator/blendvision/jobs/a", json={"steps": [{"status": "ONLY_A"}]})

    response = client.get(f"{JOBS}/a%2Fb", headers=bv_headers)

    assert response.status_code == 404


def test_in_process_helpers_script_like_the_admin_api(
    server: EmulatorServer, client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    server.script_blendvision_job(
        "helper",
        processing_polls=0,
        outcome="DUBBING_STATUS_SUCCEEDED",
        job={"outputs": [{"lang_code": "fr"}]},
    )
    server.script_blendvision_source("vod-helper", [{"status": "DUBBING_STATUS_PROCESSING"}])

    jobs = [_get(client, "helper", bv_headers).json()["dubbing_job"] for _ in range(2)]
    assert jobs[1]["outputs"] == [{"lang_code": "fr", "id": "file-helper-fr"}]
    created = client.post(JOBS, headers=bv_headers, json=_new_job(source_id="vod-helper")).json()[
        "dubbing_job"
    ]
    assert (
        _get(client, created["id"], bv_headers).json()["dubbing_job"]["status"] == "DUBBING_STATUS_PROCESSING"
    )
