"""Samples written from the reference pages parse into the models; enums stay open."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from pydantic import ValidationError

from airflow_provider_dubbing.blendvision.models import (
    DubbingJobEnvelope,
    DubbingSourceType,
    DubbingStatus,
    RpcStatus,
)
from airflow_provider_dubbing.camb.models import ErrorBody, TaskProgress, TaskStatus
from tests.conftest import sample


def test_blendvision_succeeded_sample_parses_every_field() -> None:
    job = DubbingJobEnvelope.model_validate(sample("blendvision_dubbing_job_succeeded.json")).dubbing_job
    assert job.id == "c0a80f4e-1b2d-4c3e-9f10-6a7b8c9d0e1f"
    assert job.source_type is DubbingSourceType.DUBBING_SOURCE_TYPE_VIDEO
    assert job.source_id == "vod-5d4c3b2a"
    assert job.source_lang_code == "en-US"
    assert job.interval_sec is not None
    assert job.interval_sec.start
    assert job.interval_sec.end
    assert job.interval_sec.start.value == decimal.Decimal("0.5")
    assert job.interval_sec.end.value == 125
    assert [(o.id, o.lang_code) for o in job.outputs] == [("file-7f6e5d4c", "ja")]
    assert job.status is DubbingStatus.DUBBING_STATUS_SUCCEEDED
    assert job.status == "DUBBING_STATUS_SUCCEEDED"
    assert job.error_infos == []
    assert job.created_at == dt.datetime(2024, 7, 29, 15, 51, 28, 71000, tzinfo=dt.timezone.utc)
    dumped = job.model_dump(mode="json")
    assert dumped["interval_sec"] == {"start": {"value": "0.5"}, "end": {"value": "1.25e2"}}
    assert dumped["status"] == "DUBBING_STATUS_SUCCEEDED"


def test_blendvision_failed_sample_keeps_every_error_info() -> None:
    job = DubbingJobEnvelope.model_validate(sample("blendvision_dubbing_job_failed.json")).dubbing_job
    assert job.status is DubbingStatus.DUBBING_STATUS_FAILED
    assert [(e.reason, e.domain, e.metadata) for e in job.error_infos] == [
        ("SOURCE_AUDIO_UNREADABLE", "cms.blendvision.com", {"sourceId": "aod-1", "codec": "opus"}),
        ("QUOTA_EXCEEDED", "billing.blendvision.com", {}),
    ]
    assert (
        job.error_infos[0].describe()
        == "SOURCE_AUDIO_UNREADABLE (cms.blendvision.com) codec=opus, sourceId=aod-1"
    )
    assert job.outputs[0].id is None


def test_schema_example_fails_only_on_its_placeholder_decimals() -> None:
    # The page's "example from schema" writes "string" where a decimal goes; everything
    # else in it fits the model.
    data = sample("blendvision_schema_example.json")
    with pytest.raises(ValidationError) as info:
        DubbingJobEnvelope.model_validate(data)
    assert {e["loc"][-2:] for e in info.value.errors()} == {("start", "value"), ("end", "value")}
    del data["dubbing_job"]["interval_sec"]
    job = DubbingJobEnvelope.model_validate(data).dubbing_job
    assert job.status is DubbingStatus.DUBBING_STATUS_CREATED
    assert job.error_infos[0].reason == "string"


def test_unknown_enum_values_parse_and_stay_visible() -> None:
    data = sample("blendvision_dubbing_job_succeeded.json")
    data["dubbing_job"]["status"] = "DUBBING_STATUS_QUEUED"
    data["dubbing_job"]["source_type"] = "DUBBING_SOURCE_TYPE_PODCAST"
    job = DubbingJobEnvelope.model_validate(data).dubbing_job
    assert job.status == "DUBBING_STATUS_QUEUED"
    assert not job.status.is_known
    assert job.status.name == "UNKNOWN"
    assert job.source_type == "DUBBING_SOURCE_TYPE_PODCAST"
    assert job.model_dump(mode="json")["status"] == "DUBBING_STATUS_QUEUED"
    assert DubbingStatus.DUBBING_STATUS_FAILED.is_known


def test_unknown_fields_are_kept() -> None:
    data = sample("blendvision_dubbing_job_succeeded.json")
    data["dubbing_job"]["progress"] = 0.4
    job = DubbingJobEnvelope.model_validate(data).dubbing_job
    assert job.model_extra == {"progress": 0.4}


def test_outputs_hold_at_most_one_item() -> None:
    data = sample("blendvision_dubbing_job_succeeded.json")
    data["dubbing_job"]["outputs"].append({"lang_code": "ko"})
    with pytest.raises(ValidationError, match="at most 1 item"):
        DubbingJobEnvelope.model_validate(data)


def test_blendvision_error_body_is_a_google_rpc_status() -> None:
    status = RpcStatus.model_validate(sample("blendvision_error_not_found.json"))
    assert (status.code, status.message) == (5, "dubbing job not found")
    assert status.details[0]["@type"].endswith("google.rpc.ErrorInfo")


@pytest.mark.parametrize("status", ["SUCCESS", "PENDING", "TIMEOUT", "ERROR", "PAYMENT_REQUIRED"])
def test_every_camb_status_is_known_and_equal_to_its_spelling(status: str) -> None:
    parsed = TaskProgress.model_validate({"status": status})
    assert parsed.status == status
    assert parsed.status is TaskStatus(status)
    assert parsed.status.is_known


def test_camb_object_sample_parses() -> None:
    parsed = TaskProgress.model_validate(sample("camb_alt_format_status.json"))
    assert parsed.status is TaskStatus.ERROR
    assert parsed.run_id == 18342
    assert parsed.exception_reason == "PROCESSING_ERROR"
    assert parsed.message == {"detail": "ffmpeg exited with code 1"}


def test_camb_bare_string_answer_parses() -> None:
    parsed = TaskProgress.model_validate(sample("camb_alt_format_status_bare.json"))
    assert parsed.status is TaskStatus.PENDING
    assert (parsed.run_id, parsed.exception_reason, parsed.message) == (None, None, None)


def test_camb_unknown_status_stays_visible() -> None:
    parsed = TaskProgress.model_validate({"status": "QUEUED"})
    assert parsed.status == "QUEUED"
    assert not parsed.status.is_known


@pytest.mark.parametrize("body", [{"run_id": 1}, 42, None, {"status": 3}])
def test_camb_status_without_a_status_string_is_refused(body: object) -> None:
    with pytest.raises(ValidationError):
        TaskProgress.model_validate(body)


def test_camb_validation_error_body_reads_as_one_line() -> None:
    body = ErrorBody.model_validate(sample("camb_validation_error.json"))
    assert body.explain() == "body.output_format: value is not a valid enumeration member"
    assert ErrorBody.model_validate({"detail": "Task not found"}).explain() == "Task not found"
