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

:data:`FAILURES` is the one table from a wait's :class:`.FailureKind` to the exception;
:func:`failure_for` applies it to a final event, :func:`failure_for_verdict` to one check's
verdict (a read, or code that checks through a hook itself), :func:`failure_for_call` to
one request that failed outside a wait.

Each remote failure class is also the matching error of :mod:`.client.errors`, so
``except PaymentRequiredError`` catches it outside Airflow's vocabulary too.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing._compat import AirflowFailException
from airflow_provider_dubbing.client.errors import (
    DubbingError,
    PaymentRequiredError,
    RemoteJobFailedError,
    RemoteOutcomeError,
    RemoteTimeoutError,
    _rebuild,
)
from airflow_provider_dubbing.waiting.engine import failed_request, final_event
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent
from airflow_provider_dubbing.waiting.verdict import Phase, Verdict


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


FAILURES: dict[FailureKind, type[Exception]] = {
    FailureKind.JOB_FAILED: DubbingJobFailed,
    FailureKind.REMOTE_TIMEOUT: DubbingRemoteTimeout,
    FailureKind.PAYMENT_REQUIRED: DubbingPaymentRequired,
    FailureKind.REFUSED: DubbingRequestRefused,
    FailureKind.WAIT_TIMEOUT: DubbingWaitTimeout,  # a sensor raises AirflowSensorTimeout instead
    FailureKind.UNAVAILABLE: DubbingServiceUnavailable,
}
"""The exception each way a wait can end badly raises (final: no retries but for
:class:`DubbingServiceUnavailable`)."""

# What an operator that started the work raises instead, so its retries start new work.
_RETRYABLE: dict[FailureKind, type[RemoteOutcomeError]] = {
    FailureKind.JOB_FAILED: RemoteJobFailedError,
    FailureKind.REMOTE_TIMEOUT: RemoteTimeoutError,
}


def failure_for(
    event: WaitEvent,
    *,
    service: str,
    timeout: type[Exception],
    final: bool = True,
) -> Exception:
    """The exception that fails the task for a wait that ended badly (``event.failure``).

    :param service: the service's name, carried by a remote failure.
    :param timeout: what our own deadline passing raises (``AirflowSensorTimeout`` for
        a sensor, :class:`DubbingWaitTimeout` for an operator).
    :param final: fail a remote failure without retries (a sensor, a read). False for an
        operator that started the work: a failed or timed-out run is then retried, and
        the retry starts new work; payment required stays final.
    """
    kind = event.failure
    if kind is None:
        raise ValueError("a successful wait fails no task")
    cls: Any = timeout if kind is FailureKind.WAIT_TIMEOUT else FAILURES[kind]
    if not final and kind in _RETRYABLE:
        cls = _RETRYABLE[kind]
    error: Exception
    if kind.is_remote:
        ids = {"object_id": event.object_id, "status": event.remote_status or "", "reasons": event.reasons}
        error = cls(event.message, service=service, **ids)
    elif kind is FailureKind.REFUSED:
        error = cls(event.message, http_status=event.status_code)
    else:
        error = cls(event.message)
    return error


def failure_for_verdict(verdict: Verdict, *, object_id: str, service: str) -> Exception | None:
    """The task failure a sensor would raise for one check's ``verdict``; None unless the
    work failed. For a read, and for code that checks through a hook itself::

        verdict = hook.check_export(task_id)
        if (failure := failure_for_verdict(verdict, object_id=task_id, service="CAMB.AI")) is not None:
            raise failure
    """
    if verdict.phase is not Phase.FAILED:
        return None
    event = final_event(verdict, object_id=object_id, checks=1)
    return failure_for(event, service=service, timeout=DubbingWaitTimeout)


def failure_for_call(error: DubbingError, *, conn_id: str, what: str) -> Exception:
    """The task failure for one request that failed after the client's own retries: a
    refusal (4xx, a bad connection, a bad argument) fails at once; anything that may heal
    by itself is :class:`DubbingServiceUnavailable`, for the task's retries."""
    return failure_for(
        failed_request(error, conn_id=conn_id, what=what), service="", timeout=DubbingWaitTimeout
    )
