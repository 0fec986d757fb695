"""Which exception each outcome raises, and what Airflow will do with it."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from airflow_provider_dubbing._compat import AirflowException, AirflowFailException, AirflowSensorTimeout
from airflow_provider_dubbing.client.errors import (
    DubbingError,
    PaymentRequiredError,
    RemoteJobFailedError,
    RemoteTimeoutError,
)
from airflow_provider_dubbing.tasks.failures import (
    DubbingJobFailed,
    DubbingPaymentRequired,
    DubbingRemoteTimeout,
    DubbingRequestRefused,
    DubbingServiceUnavailable,
    DubbingWaitTimeout,
    failure_for,
)
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent


def ended(kind: FailureKind, **fields: object) -> WaitEvent:
    return WaitEvent.model_validate({"failure": kind, "message": "m", "object_id": "t", **fields})


@pytest.mark.parametrize(
    ("kind", "airflow_class", "pure_class"),
    [
        (FailureKind.JOB_FAILED, DubbingJobFailed, RemoteJobFailedError),
        (FailureKind.REMOTE_TIMEOUT, DubbingRemoteTimeout, RemoteTimeoutError),
        (FailureKind.PAYMENT_REQUIRED, DubbingPaymentRequired, PaymentRequiredError),
    ],
)
def test_each_remote_outcome_has_its_own_no_retry_class(
    kind: FailureKind, airflow_class: type, pure_class: type
) -> None:
    event = ended(kind, remote_status="S", reasons=("r",))
    failure: Any = failure_for(event, service="CAMB.AI", timeout=DubbingWaitTimeout)
    assert type(failure) is airflow_class
    # AirflowFailException: no retries; the pure class: catchable outside Airflow's vocabulary.
    assert isinstance(failure, AirflowFailException)
    assert isinstance(failure, pure_class)
    assert (failure.object_id, failure.status, failure.reasons) == ("t", "S", ("r",))
    copy = pickle.loads(pickle.dumps(failure))
    assert type(copy) is airflow_class
    assert copy.reasons == ("r",)


def test_refused_is_final_and_keeps_its_status() -> None:
    refused = DubbingRequestRefused("no", http_status=404)
    assert isinstance(refused, AirflowFailException)
    copy = pickle.loads(pickle.dumps(refused))
    assert (str(copy), copy.http_status) == ("no", 404)


def test_service_unavailable_is_an_ordinary_failure() -> None:
    # Not an AirflowException: Airflow retries it, and soft_fail does not turn it into a skip.
    assert issubclass(DubbingServiceUnavailable, DubbingError)
    assert not issubclass(DubbingServiceUnavailable, AirflowException)


@pytest.mark.parametrize(
    ("kind", "retried_class"),
    [
        (FailureKind.JOB_FAILED, RemoteJobFailedError),
        (FailureKind.REMOTE_TIMEOUT, RemoteTimeoutError),
        (FailureKind.PAYMENT_REQUIRED, DubbingPaymentRequired),
    ],
)
def test_an_operator_that_started_the_work_retries_all_but_payment(
    kind: FailureKind, retried_class: type
) -> None:
    failure = failure_for(ended(kind), service="CAMB.AI", timeout=DubbingWaitTimeout, final=False)
    assert type(failure) is retried_class
    assert isinstance(failure, AirflowFailException) is (kind is FailureKind.PAYMENT_REQUIRED)


@pytest.mark.parametrize(
    ("kind", "timeout", "expected"),
    [
        (FailureKind.REFUSED, DubbingWaitTimeout, DubbingRequestRefused),
        (FailureKind.UNAVAILABLE, DubbingWaitTimeout, DubbingServiceUnavailable),
        (FailureKind.WAIT_TIMEOUT, DubbingWaitTimeout, DubbingWaitTimeout),
        (FailureKind.WAIT_TIMEOUT, AirflowSensorTimeout, AirflowSensorTimeout),
    ],
)
def test_the_wait_s_own_endings(kind: FailureKind, timeout: type[Exception], expected: type) -> None:
    failure = failure_for(ended(kind, status_code=404), service="", timeout=timeout)
    assert type(failure) is expected
    assert str(failure) == "m"
    if expected is DubbingRequestRefused:
        assert failure.http_status == 404  # type: ignore[attr-defined]


def test_every_kind_has_its_exception() -> None:
    from airflow_provider_dubbing.tasks.failures import FAILURES

    assert set(FAILURES) == set(FailureKind)


def test_a_success_fails_nothing() -> None:
    with pytest.raises(ValueError, match="fails no task"):
        failure_for(WaitEvent(message="m", object_id="t", result={}), service="", timeout=DubbingWaitTimeout)
