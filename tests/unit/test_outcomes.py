"""What each status means, per API: a table of status -> verdict, and the refusal messages."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from airflow_provider_dubbing.blendvision.models import DubbingJob
from airflow_provider_dubbing.blendvision.outcomes import judge_job
from airflow_provider_dubbing.camb.models import TaskProgress
from airflow_provider_dubbing.camb.outcomes import judge_dubbing, judge_export
from airflow_provider_dubbing.client.errors import (
    AuthenticationError,
    ConnectionConfigError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RemoteJobFailedError,
    RemoteTimeoutError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from airflow_provider_dubbing.client.outcome import Phase, describe_refusal, is_passing_failure
from tests.conftest import sample


@pytest.mark.parametrize(
    ("status", "phase", "error"),
    [
        ("PENDING", Phase.WAITING, None),
        ("SUCCESS", Phase.SUCCEEDED, None),
        ("ERROR", Phase.FAILED, RemoteJobFailedError),
        ("TIMEOUT", Phase.FAILED, RemoteTimeoutError),
        ("PAYMENT_REQUIRED", Phase.FAILED, PaymentRequiredError),
        ("QUEUED", Phase.UNKNOWN, None),
        ("", Phase.UNKNOWN, None),
    ],
)
@pytest.mark.parametrize(("judge", "extra"), [(judge_export, {"output_url": None}), (judge_dubbing, {})])
def test_camb_status_table(
    status: str, phase: Phase, error: type | None, judge: Any, extra: dict[str, Any]
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
    if error is None:
        assert verdict.error is None
    else:
        assert type(verdict.error) is error
        assert verdict.error.reasons == ("WHY", '{"detail": "x"}')
        assert verdict.error.object_id == "t-1"
        assert status in str(verdict.error)
        assert "WHY" in str(verdict.error)


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
    assert (verdict.error is not None) is (phase is Phase.FAILED)


def test_blendvision_failure_from_the_reference_sample() -> None:
    job = DubbingJob.model_validate(sample("blendvision_dubbing_job_failed.json")["dubbing_job"])
    verdict = judge_job(job)
    assert verdict.phase is Phase.FAILED
    assert isinstance(verdict.error, RemoteJobFailedError)
    assert verdict.error.reasons == tuple(info.describe() for info in job.error_infos)
    for info in job.error_infos:
        assert info.reason in verdict.summary
        assert info.domain in verdict.summary


def test_blendvision_result_keeps_decimals_as_normalized_strings() -> None:
    job = _job("DUBBING_STATUS_SUCCEEDED", interval_sec={"start": {"value": ".5"}, "end": {"value": "1E+2"}})
    result = judge_job(job).result
    assert result["interval_sec"] == {"start": {"value": "0.5"}, "end": {"value": "1e2"}}


def test_remote_errors_pickle_with_their_fields() -> None:
    verdict = judge_export("t-1", TaskProgress(status="PAYMENT_REQUIRED", exception_reason="R"))  # type: ignore[arg-type]
    assert verdict.error is not None
    copy = pickle.loads(pickle.dumps(verdict.error))
    assert type(copy) is PaymentRequiredError
    assert (copy.object_id, copy.status, copy.reasons) == ("t-1", "PAYMENT_REQUIRED", ("R",))


@pytest.mark.parametrize(
    ("error", "passing"),
    [
        (ServerError("m", status_code=503), True),
        (RateLimitError("m", status_code=429, retry_after=3), True),
        (ResponseDecodeError("m"), True),
        (ResponseValidationError("m"), False),
        (ResponseTooLargeError("m"), False),
        (AuthenticationError("m", status_code=401), False),
        (NotFoundError("m", status_code=404), False),
        (UnprocessableEntityError("m", status_code=422), False),
        (ConnectionConfigError("c", "password", "is empty"), False),
        (RuntimeError("m"), False),
    ],
)
def test_which_failed_checks_may_pass(error: BaseException, passing: bool) -> None:
    assert is_passing_failure(error) is passing


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (AuthenticationError("bad key", status_code=401), ["connection 'c1'", "401", "password"]),
        (PermissionDeniedError("no", status_code=403), ["connection 'c1'", "403", "org_id"]),
        (NotFoundError("gone", status_code=404), ["export 'a1' was not found", "'c1'", "404"]),
        (UnprocessableEntityError("bad", status_code=422), ["export 'a1'", "422"]),
        (ConnectionConfigError("c1", "password", "is empty"), ["'c1'", "password"]),
    ],
)
def test_refusals_name_the_connection_or_the_id(error: BaseException, words: list[str]) -> None:
    text = describe_refusal(error, conn_id="c1", what="export 'a1'")
    for word in words:
        assert word in text


@pytest.mark.parametrize(
    ("error", "before", "kind", "failures", "retry_after"),
    [
        (NotFoundError("gone", status_code=404), 2, "refused", 2, 0.0),
        (ServerError("down", status_code=503), 0, "passing", 1, 0.0),
        (RateLimitError("slow", status_code=429, retry_after=7), 1, "passing", 2, 7.0),
        (RateLimitError("slow", status_code=429, retry_after=9_999), 0, "passing", 1, 60.0),
        (ServerError("down", status_code=500), 2, "gave_up", 3, 0.0),
    ],
    ids=["refused", "passing", "retry-after", "retry-after-capped", "gave-up"],
)
def test_one_decision_for_a_failed_check(
    error: Exception, before: int, kind: str, failures: int, retry_after: float
) -> None:
    from airflow_provider_dubbing.client.outcome import judge_failed_check

    failed = judge_failed_check(
        error,  # type: ignore[arg-type]
        failures_before=before,
        max_failures=3,
        conn_id="c1",
        what="export 'a1'",
        max_retry_after_s=60.0,
    )
    assert (failed.kind, failed.failures, failed.retry_after_s) == (kind, failures, retry_after)
    assert "export 'a1'" in failed.message
    assert failed.http_status == (404 if kind == "refused" else None)
