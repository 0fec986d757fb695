"""The wait engine's one step, with no I/O: every decision a wait makes, read off directly."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    AuthenticationError,
    ConnectionConfigError,
    DubbingError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from airflow_provider_dubbing.waiting.engine import Wait, WaitState, failed_request, refusal, step
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent
from airflow_provider_dubbing.waiting.schedule import WaitSchedule
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict

T0 = 1_800_000_000.0
WAIT = Wait("export", "a1", "c1", WaitSchedule(5, max_poll_interval_s=30, max_consecutive_failures=3))


def pending(status: str = "PENDING") -> Verdict:
    return Verdict(Phase.WAITING, status, f"export 'a1' is {status}", {"status": status})


def test_a_pending_check_waits_by_the_schedule_and_logs_a_new_status_once() -> None:
    first = step(WAIT, WaitState(), pending(), now=T0, rand=0.0)
    assert (first.event, first.wait_s, first.state) == (None, 5, WaitState(1, 0, "PENDING"))
    assert first.log == (logging.INFO, "export 'a1' is PENDING; next check in 5 s")
    second = step(WAIT, first.state, pending(), now=T0, rand=0.0)
    assert (second.wait_s, second.log) == (10, None)


def test_success_ends_the_wait_with_the_result() -> None:
    done = Verdict(Phase.SUCCEEDED, "SUCCESS", "export 'a1' finished", {"status": "SUCCESS"})
    ended = step(WAIT, WaitState(2, 0, "PENDING"), done, now=T0, rand=0.0)
    assert ended.event == WaitEvent(
        message="export 'a1' finished",
        object_id="a1",
        result={"status": "SUCCESS"},
        remote_status="SUCCESS",
        checks=3,
    )
    assert ended.event.succeeded


def test_a_remote_failure_ends_the_wait_with_its_kind_and_reasons() -> None:
    failed = Verdict(Phase.FAILED, "ERROR", "export 'a1' failed", {}, FailureKind.JOB_FAILED, ("why",))
    event = step(WAIT, WaitState(), failed, now=T0, rand=0.0).event
    assert event is not None
    assert (event.failure, event.reasons, event.remote_status) == (FailureKind.JOB_FAILED, ("why",), "ERROR")


def test_an_unknown_status_keeps_waiting_and_is_logged_as_a_warning() -> None:
    odd = Verdict(Phase.UNKNOWN, "QUEUED", "export 'a1' reports 'QUEUED'", {})
    went = step(WAIT, WaitState(), odd, now=T0, rand=0.0)
    assert went.event is None
    assert went.log is not None
    assert went.log[0] == logging.WARNING


def test_failed_checks_are_tolerated_up_to_the_bound_then_end_as_unavailable() -> None:
    state = WaitState(1, 0, "PENDING")
    for failures in (1, 2):
        went = step(WAIT, state, ServerError("down", status_code=503), now=T0, rand=0.0)
        assert went.event is None
        assert went.state == WaitState(state.checks + 1, failures, "PENDING")
        assert went.log is not None
        assert f"({failures} in a row; the wait ends at 3)" in went.log[1]
        state = went.state
    ended = step(WAIT, state, ServerError("down", status_code=503), now=T0, rand=0.0).event
    assert ended is not None
    assert ended.failure is FailureKind.UNAVAILABLE
    assert "3 failed checks in a row" in ended.message
    # An answer resets the count.
    assert step(WAIT, WaitState(3, 2), pending(), now=T0, rand=0.0).state.failures == 0


def test_retry_after_lengthens_a_wait_up_to_the_cap() -> None:
    asked = step(WAIT, WaitState(), RateLimitError("slow", status_code=429, retry_after=7), now=T0, rand=0.0)
    assert asked.wait_s == 7
    capped = step(
        WAIT, WaitState(), RateLimitError("slow", status_code=429, retry_after=9_999), now=T0, rand=0.0
    )
    assert capped.wait_s == WAIT.retry_after_cap_s


def test_a_refusal_ends_the_wait_at_once_naming_the_connection() -> None:
    event = step(
        WAIT, WaitState(4, 2, "PENDING"), NotFoundError("gone", status_code=404), now=T0, rand=0.0
    ).event
    assert event is not None
    assert (event.failure, event.status_code, event.checks) == (FailureKind.REFUSED, 404, 5)
    assert "export 'a1' was not found with connection 'c1' (404)" in event.message


def test_the_deadline_bounds_the_wait_and_ends_it_after_a_check_there() -> None:
    bounded = Wait("export", "a1", "c1", WaitSchedule(5), deadline=T0 + 3)
    went = step(bounded, WaitState(), pending(), now=T0, rand=0.0)
    assert (went.event, went.wait_s) == (None, 3)
    ended = step(bounded, went.state, pending(), now=T0 + 3, rand=0.0).event
    assert ended is not None
    assert ended.failure is FailureKind.WAIT_TIMEOUT
    assert ended.message == "timed out waiting for export 'a1': still PENDING after 2 checks"


def test_jitter_only_shortens_an_exponential_wait() -> None:
    assert step(WAIT, WaitState(2), pending(), now=T0, rand=1.0).wait_s == pytest.approx(20 * 0.9)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ServerError("m", status_code=503), FailureKind.UNAVAILABLE),
        (RateLimitError("m", status_code=429, retry_after=3), FailureKind.UNAVAILABLE),
        (ResponseDecodeError("m"), FailureKind.UNAVAILABLE),
        (ApiConnectionError("m", request_sent=True), FailureKind.UNAVAILABLE),
        (ResponseValidationError("m"), FailureKind.REFUSED),
        (ResponseTooLargeError("m"), FailureKind.REFUSED),
        (AuthenticationError("m", status_code=401), FailureKind.REFUSED),
        (NotFoundError("m", status_code=404), FailureKind.REFUSED),
        (UnprocessableEntityError("m", status_code=422), FailureKind.REFUSED),
        (ConnectionConfigError("c", "password", "is empty"), FailureKind.REFUSED),
    ],
)
def test_one_place_tells_a_refusal_from_a_passing_failure(error: DubbingError, kind: FailureKind) -> None:
    assert failed_request(error, conn_id="c1", what="export 'a1'").failure is kind


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
def test_refusals_name_the_connection_or_the_id(error: DubbingError, words: list[str]) -> None:
    text = refusal(error, conn_id="c1", what="export 'a1'")
    for word in words:
        assert word in text


def test_an_event_of_the_old_shape_still_reads() -> None:
    # Stored by a triggerer of package version 0.1 before an upgrade: status + failure.
    old = WaitEvent.model_validate(
        {"status": "failed", "failure": "payment_required", "message": "m", "object_id": "a1"}
    )
    assert old.failure is FailureKind.PAYMENT_REQUIRED
    assert WaitEvent.model_validate({"status": "refused", "message": "m", "object_id": "a1"}).failure is (
        FailureKind.REFUSED
    )
    ok = WaitEvent.model_validate({"status": "success", "message": "m", "object_id": "a1", "result": {}})
    assert ok.succeeded
