"""Retry decisions and waits: tables, no HTTP, no sleeping."""

from __future__ import annotations

import email.utils

import pytest

from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseValidationError,
    ServerError,
)
from airflow_provider_dubbing.client.retry import RetryPolicy, backoff_s, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({}, None),
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "0"}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "x", "Retry-After": "9"}, 9.0),
        ({"retry-after-ms": "nan"}, None),
        ({"retry-after-ms": "inf", "Retry-After": "2"}, 2.0),
        ({"Retry-After": "inf"}, None),
    ],
)
def test_retry_after_header_table(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == seconds


def _status(cls: type[ApiStatusError], code: int, retry_after: float | None = None) -> ApiStatusError:
    return cls("x", status_code=code, retry_after=retry_after)


TRANSIENT = [
    _status(RateLimitError, 429),
    _status(ServerError, 500),
    _status(ServerError, 502),
    _status(ServerError, 503),
    _status(ApiStatusError, 408),
    ApiConnectionError("reset"),
    ApiTimeoutError("slow"),
    ResponseDecodeError("<html>"),
]
FINAL = [
    _status(BadRequestError, 400),
    _status(AuthenticationError, 401),
    _status(PermissionDeniedError, 403),
    _status(NotFoundError, 404),
    _status(ApiStatusError, 409),
    ResponseValidationError("wrong shape"),
    InvalidInputError("task_id", "blank"),
    ValueError("not ours"),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=repr)
def test_transient_errors_are_retried_for_idempotent_calls(error: BaseException) -> None:
    assert RetryPolicy().should_retry(error, idempotent=True)


@pytest.mark.parametrize("error", FINAL, ids=repr)
def test_final_errors_are_never_retried(error: BaseException) -> None:
    assert not RetryPolicy().should_retry(error, idempotent=True)
    assert not RetryPolicy().should_retry(error, idempotent=False)


@pytest.mark.parametrize("error", TRANSIENT, ids=repr)
def test_a_create_is_retried_only_when_the_request_never_left(error: BaseException) -> None:
    assert not RetryPolicy().should_retry(error, idempotent=False)


def test_a_create_is_retried_after_a_failed_connect() -> None:
    assert RetryPolicy().should_retry(ApiConnectionError("refused", request_sent=False), idempotent=False)
    assert RetryPolicy().should_retry(
        ApiTimeoutError("connect timeout", request_sent=False), idempotent=False
    )


def test_retry_after_is_honoured_up_to_the_ceiling() -> None:
    policy = RetryPolicy(max_retry_after_s=20.0)
    assert policy.delay_s(1, _status(RateLimitError, 429, retry_after=3.0)) == 3.0
    assert policy.delay_s(1, _status(ServerError, 503, retry_after=120.0)) == 20.0
    assert policy.delay_s(1, _status(RateLimitError, 429, retry_after=0.0)) == 0.0


def test_a_non_finite_retry_after_falls_back_to_backoff() -> None:
    policy = RetryPolicy(initial_delay_s=1.0, jitter=0.0)
    assert policy.delay_s(2, _status(RateLimitError, 429, retry_after=float("nan"))) == 2.0


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    waits = [backoff_s(n, 0.5, 8.0, jitter=0.0) for n in range(1, 8)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_only_shortens_the_wait() -> None:
    assert backoff_s(3, 0.5, 8.0, jitter=0.25, rand=lambda: 0.0) == 2.0
    assert backoff_s(3, 0.5, 8.0, jitter=0.25, rand=lambda: 1.0) == 1.5
    policy = RetryPolicy(initial_delay_s=1.0, max_delay_s=4.0, jitter=0.5)
    assert policy.delay_s(5, ApiConnectionError("x"), rand=lambda: 0.5) == 3.0


@pytest.mark.parametrize("kwargs", [{"max_retries": -1}, {"jitter": 1.5}])
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
