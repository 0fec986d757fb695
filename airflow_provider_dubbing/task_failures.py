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
- Our own wait running out is Airflow's ``AirflowSensorTimeout`` (no retries; skipped
  with ``soft_fail``), on both Airflow lines.

Each remote failure class is also the matching error of :mod:`.client.errors`, so
``except PaymentRequiredError`` catches it outside Airflow's vocabulary too.
"""

from __future__ import annotations

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


class DubbingServiceUnavailable(DubbingError):
    """Checks kept failing (connection errors, timeouts, 429, 5xx, unreadable answers)
    past the client's retries and the wait's tolerance; the task's retries apply."""


_REMOTE: dict[FailureKind, type[DubbingTaskFailure]] = {
    RemoteJobFailedError.kind: DubbingJobFailed,
    RemoteTimeoutError.kind: DubbingRemoteTimeout,
    PaymentRequiredError.kind: DubbingPaymentRequired,
}


def remote_failure(
    kind: FailureKind,
    message: str,
    *,
    service: str = "",
    object_id: str = "",
    status: str = "",
    reasons: tuple[str, ...] = (),
) -> DubbingTaskFailure:
    """The task failure for a remote outcome of ``kind`` (a :class:`RemoteOutcomeError` ``kind``)."""
    failure_class = _REMOTE[kind]
    return failure_class(  # type: ignore[call-arg,unused-ignore]
        message, service=service, object_id=object_id, status=status, reasons=reasons
    )


def failure_for(error: RemoteOutcomeError) -> DubbingTaskFailure:
    """The task failure for the verdict's error."""
    return remote_failure(
        error.kind,
        str(error),
        service=error.service,
        object_id=error.object_id,
        status=error.status,
        reasons=error.reasons,
    )
