"""What each status means, per API: a table of status -> verdict."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_dubbing.blendvision.models import DubbingJob
from airflow_provider_dubbing.blendvision.outcomes import judge_job
from airflow_provider_dubbing.camb.models import TaskProgress
from airflow_provider_dubbing.camb.outcomes import judge_dubbing, judge_export
from airflow_provider_dubbing.waiting.events import FailureKind
from airflow_provider_dubbing.waiting.verdict import Phase
from tests.conftest import sample


@pytest.mark.parametrize(
    ("status", "phase", "failure"),
    [
        ("PENDING", Phase.WAITING, None),
        ("SUCCESS", Phase.SUCCEEDED, None),
        ("ERROR", Phase.FAILED, FailureKind.JOB_FAILED),
        ("TIMEOUT", Phase.FAILED, FailureKind.REMOTE_TIMEOUT),
        ("PAYMENT_REQUIRED", Phase.FAILED, FailureKind.PAYMENT_REQUIRED),
        ("QUEUED", Phase.UNKNOWN, None),
        ("", Phase.UNKNOWN, None),
    ],
)
@pytest.mark.parametrize(("judge", "extra"), [(judge_export, {"output_url": None}), (judge_dubbing, {})])
def test_camb_status_table(
    status: str, phase: Phase, failure: FailureKind | None, judge: Any, extra: dict[str, Any]
) -> None:
    # Dubs and exports share one status vocabulary and one table; an export's dict adds output_url.
    answer = TaskProgress.model_validate(
        {"status": status, "run_id": 9, "exception_reason": "WHY", "message": {"detail": "x"}}
    )
    verdict = judge("t-1", answer)
    assert verdict.phase is phase
    assert verdict.status == status
    assert verdict.is_final is (phase in (Phase.SUCCEEDED, Phase.FAILED))
    assert verdict.result == {
        "task_id": "t-1",
        "status": status,
        "run_id": 9,
        "exception_reason": "WHY",
        "message": {"detail": "x"},
        **extra,
    }
    assert verdict.failure is failure
    if failure is None:
        assert verdict.reasons == ()
    else:
        assert verdict.reasons == ("WHY", '{"detail": "x"}')
        assert "'t-1'" in verdict.summary
        assert status in verdict.summary
        assert "WHY" in verdict.summary


def test_camb_bare_string_answer_is_judged_too() -> None:
    verdict = judge_export("t-2", TaskProgress.model_validate(sample("camb_alt_format_status_bare.json")))
    assert verdict.phase is Phase.WAITING
    assert verdict.result["task_id"] == "t-2"


def _job(status: str | None, **extra: Any) -> DubbingJob:
    body: dict[str, Any] = {
        "id": "j-1",
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "v",
        "source_lang_code": "en",
        "outputs": [{"id": "f-1", "lang_code": "ja"}],
        **extra,
    }
    if status is not None:
        body["status"] = status
    return DubbingJob.model_validate(body)


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("DUBBING_STATUS_CREATED", Phase.WAITING),
        ("DUBBING_STATUS_PROCESSING", Phase.WAITING),
        ("DUBBING_STATUS_SUCCEEDED", Phase.SUCCEEDED),
        ("DUBBING_STATUS_FAILED", Phase.FAILED),
        ("DUBBING_STATUS_PAUSED", Phase.UNKNOWN),
        (None, Phase.UNKNOWN),
    ],
)
def test_blendvision_status_table(status: str | None, phase: Phase) -> None:
    verdict = judge_job(_job(status))
    assert verdict.phase is phase
    assert verdict.result["id"] == "j-1"
    assert verdict.failure is (FailureKind.JOB_FAILED if phase is Phase.FAILED else None)


def test_blendvision_failure_from_the_reference_sample() -> None:
    job = DubbingJob.model_validate(sample("blendvision_dubbing_job_failed.json")["dubbing_job"])
    verdict = judge_job(job)
    assert verdict.phase is Phase.FAILED
    assert verdict.failure is FailureKind.JOB_FAILED
    assert verdict.reasons == tuple(info.describe() for info in job.error_infos)
    for info in job.error_infos:
        assert info.reason in verdict.summary
        assert info.domain in verdict.summary


def test_blendvision_result_keeps_decimals_as_normalized_strings() -> None:
    job = _job("DUBBING_STATUS_SUCCEEDED", interval_sec={"start": {"value": ".5"}, "end": {"value": "1E+2"}})
    result = judge_job(job).result
    assert result["interval_sec"] == {"start": {"value": "0.5"}, "end": {"value": "1e2"}}
