"""Which exception each outcome raises, and what Airflow will do with it."""

from __future__ import annotations

import pickle

import pytest

from airflow_provider_dubbing._compat import AirflowException, AirflowFailException
from airflow_provider_dubbing.client.errors import (
    DubbingError,
    PaymentRequiredError,
    RemoteJobFailedError,
    RemoteTimeoutError,
)
from airflow_provider_dubbing.task_failures import (
    DubbingJobFailed,
    DubbingPaymentRequired,
    DubbingRemoteTimeout,
    DubbingRequestRefused,
    DubbingServiceUnavailable,
    remote_failure,
)


@pytest.mark.parametrize(
    ("kind", "airflow_class", "pure_class"),
    [
        ("job_failed", DubbingJobFailed, RemoteJobFailedError),
        ("timed_out", DubbingRemoteTimeout, RemoteTimeoutError),
        ("payment_required", DubbingPaymentRequired, PaymentRequiredError),
    ],
)
def test_each_remote_outcome_has_its_own_no_retry_class(
    kind: str, airflow_class: type, pure_class: type
) -> None:
    failure = remote_failure(kind, "m", service="CAMB.AI", object_id="t", status="S", reasons=("r",))
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
