"""What one status check concluded, in a shape shared by both services.

Each API folder's ``outcomes`` module turns its status into a :class:`Verdict`; the
sensors, triggers and operators act on the verdict and never read a status themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_dubbing.client.errors import (
    AuthenticationError,
    ConnectionConfigError,
    DubbingError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RemoteOutcomeError,
    ResponseValidationError,
)
from airflow_provider_dubbing.client.retry import asked_wait_s, is_transient


class Phase(enum.Enum):
    """Where the remote work stands after one check."""

    WAITING = "waiting"
    """Still running: check again later."""
    SUCCEEDED = "succeeded"
    """Done; the verdict's ``result`` is what the task returns."""
    FAILED = "failed"
    """Ended badly and final for that id; the verdict's ``error`` says why."""
    UNKNOWN = "unknown"
    """A status this package does not know: never success; keep waiting, bounded by the timeout."""


@dataclass(frozen=True)
class Verdict:
    """One check's conclusion.

    :param phase: what to do next.
    :param status: the status as the service spelled it.
    :param summary: the state in words a person understands, e.g. ``export 'a1' is still running``.
    :param result: the JSON-safe dict a task returns for this object (the API's own field names).
    :param error: for :attr:`Phase.FAILED`, the error that fails the task.
    """

    phase: Phase
    status: str
    summary: str
    result: dict[str, Any] = field(default_factory=dict)
    error: RemoteOutcomeError | None = None

    @property
    def is_final(self) -> bool:
        """Whether waiting is over (succeeded or failed)."""
        return self.phase in (Phase.SUCCEEDED, Phase.FAILED)

    @property
    def is_worrying(self) -> bool:
        """Whether a person should notice: the work failed, or its status is unknown."""
        return self.phase in (Phase.FAILED, Phase.UNKNOWN)

    def announcement(self, next_wait_s: float | None) -> str:
        """The log line for a status change, with the wait that follows when there is one."""
        if next_wait_s is None:
            return self.summary
        return f"{self.summary}; next check in {next_wait_s:.0f} s"


def unknown_verdict(what: str, status: str, result: dict[str, Any]) -> Verdict:
    """The verdict on a status this package does not know: never success, keep waiting."""
    return Verdict(
        Phase.UNKNOWN,
        status,
        f"{what} reports status {status!r}, which this provider does not know; treating it as still running",
        result,
    )


def is_passing_failure(error: BaseException) -> bool:
    """Whether a failed check may be followed by another one instead of ending the wait.

    True for what may heal by itself: connection errors, timeouts, 429, 5xx, and answers
    that are not JSON (a truncated body, a proxy's page). False for refusals (400, 401,
    403, 404, 422), a bad connection or bad input, and JSON answers of the wrong shape or
    a huge size: asking again would get the same answer.
    """
    return isinstance(error, DubbingError) and is_transient(error)


def describe_refusal(error: BaseException, *, conn_id: str, what: str) -> str:
    """Why a check was refused for good, naming the connection or the id at fault.

    :param error: the refusal (an :class:`ApiStatusError` 4xx, a bad connection or bad input).
    :param conn_id: the Airflow connection that was used.
    :param what: the object checked, e.g. ``export 'a1'``.
    """
    status = getattr(error, "status_code", None)
    if isinstance(error, ConnectionConfigError):
        return f"connection {conn_id!r} cannot be used: {error}"
    if isinstance(error, InvalidInputError):
        return f"{what}: refused before any request, {error.field} is invalid: {error.problem}"
    if isinstance(error, AuthenticationError):
        return (
            f"the service refused the credentials of connection {conn_id!r} (401): {error}. "
            "Check the API key or token in the connection's password."
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"connection {conn_id!r} may not read {what} (403): {error}. "
            "Check that the key or token may use this object (for BlendVision, the org_id extra)."
        )
    if isinstance(error, NotFoundError):
        return f"{what} was not found with connection {conn_id!r} (404): {error}"
    if isinstance(error, ResponseValidationError):
        return (
            f"the answer about {what} cannot be read, and asking again would get the same one: {error}. "
            f"Check the host of connection {conn_id!r}, or whether the API changed."
        )
    if status is not None:
        return f"the request for {what} was refused ({status}): {error}"
    return f"the request for {what} was refused: {error}"


@dataclass(frozen=True)
class FailedCheck:
    """What one failed check means for a wait; the sensor and the trigger both act on it.

    :param kind: ``refused`` (asking again cannot help), ``gave_up`` (too many failed
        checks in a row) or ``passing`` (check again later).
    :param message: the words for the task failure, the event, or (``passing``) the warning.
    :param failures: failed checks in a row, this one included (unchanged when refused).
    :param http_status: the HTTP status of a refusal, when the service answered.
    :param retry_after_s: how long the service asked us to wait (0 when it did not say).
    """

    kind: str
    message: str
    failures: int
    http_status: int | None = None
    retry_after_s: float = 0.0


def judge_failed_check(
    error: DubbingError,
    *,
    failures_before: int,
    max_failures: int,
    conn_id: str,
    what: str,
    max_retry_after_s: float,
) -> FailedCheck:
    """The decision on a check that raised ``error`` after ``failures_before`` failed checks in a row.

    :param max_retry_after_s: the longest ``Retry-After`` honoured; longer asks are capped.
    """
    if not is_passing_failure(error):
        return FailedCheck(
            "refused",
            describe_refusal(error, conn_id=conn_id, what=what),
            failures_before,
            http_status=getattr(error, "status_code", None),
        )
    failures = failures_before + 1
    if failures >= max_failures:
        return FailedCheck(
            "gave_up", f"gave up on {what} after {failures} failed checks in a row; last: {error}", failures
        )
    retry_after_s = asked_wait_s(error, max_retry_after_s) or 0.0
    return FailedCheck(
        "passing",
        f"checking {what} failed ({failures} in a row; the wait ends at {max_failures}): {error}",
        failures,
        retry_after_s=retry_after_s,
    )
