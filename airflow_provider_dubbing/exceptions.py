"""The package's errors, for users to catch: the tree is drawn in :mod:`.client.errors`, and
what fails a task (and how) in :mod:`.task_failures`."""

from __future__ import annotations

from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConnectionConfigError,
    DubbingError,
    InvalidInputError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RemoteJobFailedError,
    RemoteOutcomeError,
    RemoteTimeoutError,
    ResponseDecodeError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from airflow_provider_dubbing.task_failures import (
    DubbingJobFailed,
    DubbingPaymentRequired,
    DubbingRemoteTimeout,
    DubbingRequestRefused,
    DubbingServiceUnavailable,
    DubbingTaskFailure,
    DubbingWaitTimeout,
)

__all__ = [
    "ApiConnectionError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionConfigError",
    "DubbingError",
    "DubbingJobFailed",
    "DubbingPaymentRequired",
    "DubbingRemoteTimeout",
    "DubbingRequestRefused",
    "DubbingServiceUnavailable",
    "DubbingTaskFailure",
    "DubbingWaitTimeout",
    "InvalidInputError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "RemoteJobFailedError",
    "RemoteOutcomeError",
    "RemoteTimeoutError",
    "ResponseDecodeError",
    "ResponseValidationError",
    "ServerError",
    "UnprocessableEntityError",
]
