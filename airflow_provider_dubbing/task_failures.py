"""The exceptions that fail a sensor or operator task, and which one each outcome raises.

Airflow decides what a failure does from the exception's type, so the type is the
contract:

- :class:`DubbingTaskFailure` and its subclasses are ``AirflowFailException``\\ s: the
  task fails without retries, because asking again cannot change the answer (the remote
  state of that id is final, or the service refused the request). ``soft_fail=True``
  turns them into a skip.
- :class:`DubbingServiceUnavailable` is deliberately *not* an ``AirflowException``: the
  service could not be reached or kept answering badly, so the task's own ``retries``
  apply, and ``soft_fail`` does not hide it, in poke mode and deferred mode alike.
- Our own wait running out is Airflow's ``AirflowSensorTimeout`` for a sensor (no
  retries; skipped with ``soft_fail``) and :class:`DubbingWaitTimeout` for an operator,
  on both Airflow lines.
- An operator that *started* the work fails a remote ``ERROR``, ``TIMEOUT`` or
  ``DUBBING_STATUS_FAILED`` with the plain :class:`.RemoteJobFailedError` or
  :class:`.RemoteTimeoutError` instead (``final=False``): the task's retries apply, and a
  retry starts new work. ``PAYMENT_REQUIRED`` stays final: paying is a person's job.

Each remote failure class is also the matching error of :mod:`.client.errors`, so
``except PaymentRequiredError`` catches it outside Airflow's vocabulary too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_dubbing._compat import AirflowFailException
from airflow_provider_dubbing.client.errors import (
    DubbingError,
    FailureKind,
    PaymentRequiredError,
    RemoteJobFailedError,
    RemoteOutcomeError,
    RemoteTimeoutError,
    _rebuild,
)
from airflow_provider_dubbing.client.outcome import describe_refusal, is_passing_failure
from airflow_provider_dubbing.triggers.events import WaitEvent


class DubbingTaskFailure(AirflowFailException):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """A final failure: the task fails at once, without retries (skipped with ``soft_fail``)."""


class DubbingJobFailed(DubbingTaskFailure, RemoteJobFailedError):
    """The export (CAMB.AI ``ERROR``) or dubbing job (BlendVision ``DUBBING_STATUS_FAILED``) failed."""


class DubbingRemoteTimeout(DubbingTaskFailure, RemoteTimeoutError):
    """The export timed out on CAMB.AI's side (``TIMEOUT``); our own wait is ``AirflowSensorTimeout``."""


class DubbingPaymentRequired(DubbingTaskFailure, PaymentRequiredError):
    """CAMB.AI will not finish the export until the account pays (``PAYMENT_REQUIRED``)."""


class DubbingRequestRefused(DubbingTaskFailure):
    """The service refused the request for good (400, 401, 403, 404, 422), or the
    connection or an argument is unusable; the message names the connection or id.

    :param http_status: the HTTP status, when the service answered. (Not ``status_code``:
        Airflow's exceptions use that name for their own REST API status.)
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class DubbingWaitTimeout(DubbingTaskFailure):
    """An operator's own wait (``wait_timeout``) ran out before the work ended. The work may
    still be running on the service; clearing the task later reattaches to it."""


class DubbingServiceUnavailable(DubbingError):
    """Checks kept failing (connection errors, timeouts, 429, 5xx, answers that are not JSON)
    past the client's retries and the wait's tolerance; the task's retries apply."""


_REMOTE: dict[FailureKind, type[DubbingTaskFailure]] = {
    RemoteJobFailedError.kind: DubbingJobFailed,
    RemoteTimeoutError.kind: DubbingRemoteTimeout,
    PaymentRequiredError.kind: DubbingPaymentRequired,
}


_RETRYABLE: dict[FailureKind, type[RemoteOutcomeError]] = {
    RemoteJobFailedError.kind: RemoteJobFailedError,
    RemoteTimeoutError.kind: RemoteTimeoutError,
}


def remote_failure(
    kind: FailureKind,
    message: str,
    *,
    service: str = "",
    object_id: str = "",
    status: str = "",
    reasons: tuple[str, ...] = (),
    final: bool = True,
) -> Exception:
    """The task failure for a remote outcome of ``kind`` (a :class:`RemoteOutcomeError` ``kind``).

    :param final: fail without retries (a sensor, a read). False for an operator that
        started the work: a failed or timed-out run is then retried, and the retry starts
        new work; payment required stays final.
    """
    ids: dict[str, Any] = {"service": service, "object_id": object_id, "status": status, "reasons": reasons}
    if not final and kind in _RETRYABLE:
        return _RETRYABLE[kind](message, **ids)
    return _REMOTE[kind](message, **ids)


def failure_for(error: RemoteOutcomeError) -> Exception:
    """The task failure for the verdict's error (final: no retries)."""
    return remote_failure(
        error.kind,
        str(error),
        service=error.service,
        object_id=error.object_id,
        status=error.status,
        reasons=error.reasons,
    )


def failure_for_call(error: DubbingError, *, conn_id: str, what: str) -> Exception:
    """The task failure for one request that failed after the client's own retries.

    A refusal (4xx, a bad connection, a bad argument) fails at once; anything that may
    heal by itself is :class:`DubbingServiceUnavailable`, for the task's retries.
    """
    if not is_passing_failure(error):
        return DubbingRequestRefused(
            describe_refusal(error, conn_id=conn_id, what=what),
            http_status=getattr(error, "status_code", None),
        )
    return DubbingServiceUnavailable(f"{what}: the request failed: {error}")


def failure_for_event(
    event: WaitEvent,
    *,
    service: str,
    timeout: Callable[[str], Exception],
    final: bool = True,
) -> Exception:
    """The task failure for a wait that did not succeed.

    :param timeout: what our own deadline passing raises (``AirflowSensorTimeout`` for
        a sensor, :class:`DubbingWaitTimeout` for an operator).
    :param final: as for :func:`remote_failure`.
    """
    if event.status == "failed" and event.failure is not None:
        return remote_failure(
            event.failure,
            event.message,
            service=service,
            object_id=event.object_id,
            status=event.remote_status or "",
            reasons=event.reasons,
            final=final,
        )
    if event.status == "refused":
        return DubbingRequestRefused(event.message, http_status=event.status_code)
    if event.status == "timeout":
        return timeout(event.message)
    return DubbingServiceUnavailable(event.message)
