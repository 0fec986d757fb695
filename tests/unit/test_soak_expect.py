"""The soak's judge: what a script expects, what a task did with an event, and the verdict.

Events are built by hand here, so every verdict (false success included, which a correct
provider never produces in the soak itself) is shown to be reachable.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor, CambDubbingSensor
from airflow_provider_dubbing.waiting.events import WaitEvent
from soak.expect import RETURNED, Outcome, expected_outcome, judge, task_outcome
from soak.mix import CYCLE, KINDS, Case, make_mix

CAMB_ERROR = Case(
    "camb-error",
    "camb",
    "t-1",
    True,
    {"pending_polls": 2, "outcome": "ERROR", "exception_reason": "bad audio"},
)
BV_FAILED = Case(
    "blendvision-failed",
    "blendvision",
    "j-1",
    True,
    {
        "processing_polls": 1,
        "outcome": "DUBBING_STATUS_FAILED",
        "error_infos": [{"reason": "VOICE_QUOTA_EXCEEDED", "domain": "billing.example", "metadata": {}}],
    },
)


DUB_SUCCESS = Case(
    "camb-dub-success", "camb_dub", "t-1", True, {"pending_polls": 2, "outcome": "SUCCESS", "run_id": 500007}
)


def dub_sensor(task_id: str = "t-1") -> Any:
    return CambDubbingSensor(task_id="wait", dubbing_task_id=task_id, deferrable=True)


def camb_sensor(task_id: str = "t-1") -> Any:
    return CambAltFormatSensor(task_id="wait", alt_format_task_id=task_id, deferrable=True)


def bv_sensor(job_id: str = "j-1") -> Any:
    return BlendVisionDubbingJobSensor(task_id="wait", dubbing_job_id=job_id, deferrable=True)


def event(**fields: Any) -> dict[str, Any]:
    return WaitEvent(**{"message": "m", "object_id": "t-1", **fields}).to_payload()


# kind -> how its task ends and with which status, as the services document them
EXPECTED = {
    "camb-success": (RETURNED, "SUCCESS"),
    "camb-error": ("DubbingJobFailed", "ERROR"),
    "camb-timeout": ("DubbingRemoteTimeout", "TIMEOUT"),
    "camb-payment-required": ("DubbingPaymentRequired", "PAYMENT_REQUIRED"),
    "camb-unknown-id": ("DubbingRequestRefused", "404"),
    "camb-bad-key": ("DubbingRequestRefused", "401"),
    "camb-dub-success": (RETURNED, "SUCCESS"),
    "camb-dub-error": ("DubbingJobFailed", "ERROR"),
    "camb-dub-timeout": ("DubbingRemoteTimeout", "TIMEOUT"),
    "camb-dub-payment-required": ("DubbingPaymentRequired", "PAYMENT_REQUIRED"),
    "camb-dub-unknown-id": ("DubbingRequestRefused", "404"),
    "camb-dub-bad-key": ("DubbingRequestRefused", "401"),
    "blendvision-succeeded": (RETURNED, "DUBBING_STATUS_SUCCEEDED"),
    "blendvision-failed": ("DubbingJobFailed", "DUBBING_STATUS_FAILED"),
    "blendvision-unknown-id": ("DubbingRequestRefused", "404"),
    "blendvision-bad-token": ("DubbingRequestRefused", "401"),
}


def test_the_table_covers_every_kind_of_the_mix() -> None:
    assert set(EXPECTED) == set(KINDS)


@pytest.mark.parametrize(("kind", "ended", "status"), [(kind, *end) for kind, end in EXPECTED.items()])
def test_the_mix_expects_what_each_script_means(kind: str, ended: str, status: str) -> None:
    cases = [case for case in make_mix(CYCLE, seed=5, max_pending=4) if case.kind == kind]
    assert cases, f"the mix of {CYCLE} waits has no {kind}"
    expected = expected_outcome(cases[0])
    assert (expected.ended, expected.status) == (ended, status)


def test_a_remote_failure_passed_on_with_its_reasons_is_as_expected() -> None:
    got = task_outcome(
        camb_sensor(),
        event(status="failed", failure="job_failed", remote_status="ERROR", reasons=("bad audio",)),
    )
    assert got == Outcome("DubbingJobFailed", "ERROR", "t-1", ("bad audio",))
    assert judge(expected_outcome(CAMB_ERROR), got) == "as_expected"


def test_a_failure_that_drops_the_reason_is_a_false_failure() -> None:
    got = task_outcome(camb_sensor(), event(status="failed", failure="job_failed", remote_status="ERROR"))
    assert judge(expected_outcome(CAMB_ERROR), got) == "false_failure"


def test_the_wrong_failure_type_is_a_false_failure() -> None:
    got = task_outcome(
        camb_sensor(),
        event(status="failed", failure="timed_out", remote_status="ERROR", reasons=("bad audio",)),
    )
    assert got.ended == "DubbingRemoteTimeout"
    assert judge(expected_outcome(CAMB_ERROR), got) == "false_failure"


def test_checks_that_kept_failing_are_a_false_failure() -> None:
    got = task_outcome(camb_sensor(), event(status="error"))
    assert got.ended == "DubbingServiceUnavailable"
    assert judge(expected_outcome(CAMB_ERROR), got) == "false_failure"


def test_returning_where_the_script_fails_is_a_false_success() -> None:
    got = task_outcome(
        camb_sensor(),
        event(status="success", remote_status="SUCCESS", result={"task_id": "t-1", "status": "SUCCESS"}),
    )
    assert got == Outcome(RETURNED, "SUCCESS", "t-1")
    assert judge(expected_outcome(CAMB_ERROR), got) == "false_success"


def test_returning_another_objects_result_is_a_false_success() -> None:
    case = Case("camb-success", "camb", "t-1", True, {"pending_polls": 1, "outcome": "SUCCESS"})
    got = task_outcome(camb_sensor(), event(status="success", result={"task_id": "t-2", "status": "SUCCESS"}))
    assert judge(expected_outcome(case), got) == "false_success"


def test_a_blendvision_failure_must_name_each_reason_and_domain() -> None:
    infos = ("VOICE_QUOTA_EXCEEDED (billing.example)",)
    got = task_outcome(
        bv_sensor(),
        event(
            object_id="j-1",
            status="failed",
            failure="job_failed",
            remote_status="DUBBING_STATUS_FAILED",
            reasons=infos,
        ),
    )
    assert judge(expected_outcome(BV_FAILED), got) == "as_expected"
    without_domain = task_outcome(
        bv_sensor(),
        event(
            object_id="j-1",
            status="failed",
            failure="job_failed",
            remote_status="DUBBING_STATUS_FAILED",
            reasons=("VOICE_QUOTA_EXCEEDED",),
        ),
    )
    assert judge(expected_outcome(BV_FAILED), without_domain) == "false_failure"


def test_a_refusal_is_judged_by_its_http_status() -> None:
    unknown = Case("camb-unknown-id", "camb", "t-1", True, None)
    got = task_outcome(camb_sensor(), event(status="refused", status_code=404))
    assert got.ended == "DubbingRequestRefused"
    assert judge(expected_outcome(unknown), got) == "as_expected"
    assert judge(
        expected_outcome(unknown), task_outcome(camb_sensor(), event(status="refused", status_code=401))
    ) == ("false_failure")


def test_a_dub_uses_the_camb_connections_and_names_its_run() -> None:
    dubs = [case for case in make_mix(CYCLE, seed=5, max_pending=4) if case.service == "camb_dub"]
    assert {case.conn_id for case in dubs} == {"camb_default", "soak_camb_bad_key"}
    run_ids = [case.script["run_id"] for case in dubs if case.script is not None]
    assert run_ids
    assert len(set(run_ids)) == len(run_ids)


def test_a_finished_dub_that_hands_on_its_run_is_as_expected() -> None:
    result = {"task_id": "t-1", "status": "SUCCESS", "run_id": 500007}
    got = task_outcome(dub_sensor(), event(status="success", remote_status="SUCCESS", result=result))
    assert got == Outcome(RETURNED, "SUCCESS", "t-1", run_id=500007)
    assert judge(expected_outcome(DUB_SUCCESS), got) == "as_expected"


@pytest.mark.parametrize("run_id", [None, 500008, "500007"])
def test_a_finished_dub_without_its_run_is_a_false_success(run_id: Any) -> None:
    result = {"task_id": "t-1", "status": "SUCCESS", "run_id": run_id}
    got = task_outcome(dub_sensor(), event(status="success", remote_status="SUCCESS", result=result))
    assert judge(expected_outcome(DUB_SUCCESS), got) == "false_success"


def test_a_failed_dub_is_judged_as_an_export_is() -> None:
    script = {"pending_polls": 2, "outcome": "ERROR", "exception_reason": "bad audio", "run_id": 500009}
    failed = Case("camb-dub-error", "camb_dub", "t-1", True, script)
    got = task_outcome(
        dub_sensor(),
        event(status="failed", failure="job_failed", remote_status="ERROR", reasons=("bad audio",)),
    )
    assert judge(expected_outcome(failed), got) == "as_expected"
    dropped = task_outcome(dub_sensor(), event(status="failed", failure="job_failed", remote_status="ERROR"))
    assert judge(expected_outcome(failed), dropped) == "false_failure"


def test_no_event_is_a_hang() -> None:
    assert judge(expected_outcome(CAMB_ERROR), None) == "hang"
