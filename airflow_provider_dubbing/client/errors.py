"""The error tree every call of the package raises from.

::

    DubbingError
     ├── InvalidInputError            refused before any request (also a ValueError)
     ├── ConnectionConfigError        the Airflow connection lacks or garbles a field (also a ValueError)
     ├── ApiConnectionError           no usable answer: refused, reset, dropped
     │    └── ApiTimeoutError         ... or no answer in time
     ├── ApiStatusError               the service answered with an error status
     │    ├── BadRequestError         400
     │    │    └── UnprocessableEntityError   422
     │    ├── AuthenticationError     401
     │    ├── PermissionDeniedError   403
     │    ├── NotFoundError           404
     │    ├── RateLimitError          429, with the retry-after it asked for
     │    └── ServerError             5xx
     ├── ResponseValidationError      a 2xx answer that does not fit the model
     │    ├── ResponseDecodeError     ... because it is not JSON at all (truncated, HTML)
     │    └── ResponseTooLargeError   ... because it is far larger than any answer of the API
     └── RemoteOutcomeError           the service says the work behind an id ended badly
          ├── RemoteJobFailedError    CAMB.AI ERROR, BlendVision DUBBING_STATUS_FAILED
          ├── RemoteTimeoutError      CAMB.AI TIMEOUT: the export timed out on the service's side
          └── PaymentRequiredError    CAMB.AI PAYMENT_REQUIRED: the account must pay first

Messages name the service, the call and what the service said; they never carry a
credential, because neither the request headers nor the request object are kept.
"""

from __future__ import annotations

from typing import Any


class DubbingError(Exception):
    """Base of every error this package raises."""


class InvalidInputError(DubbingError, ValueError):
    """An argument was refused before any request was sent.

    :param field: the name of the argument that was wrong.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.problem))


class ConnectionConfigError(DubbingError, ValueError):
    """The Airflow connection is missing a field the service needs, or holds a bad one.

    :param conn_id: the connection that was read.
    :param field: the connection field at fault (``password``, ``host``, ``extra.org_id``...).
    """

    def __init__(self, conn_id: str, field: str, problem: str) -> None:
        super().__init__(f"connection {conn_id!r}, field {field}: {problem}")
        self.conn_id = conn_id
        self.field = field
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.conn_id, self.field, self.problem))


class ApiConnectionError(DubbingError):
    """No usable answer came back: the connection was refused, reset or dropped.

    :param request_sent: False only when the request surely never reached the server
        (connecting failed), which is what makes retrying a create safe.
    """

    def __init__(self, message: str, *, call: str = "", request_sent: bool = True) -> None:
        super().__init__(message)
        self.call = call
        self.request_sent = request_sent

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ApiTimeoutError(ApiConnectionError):
    """The service did not answer within the client's timeout."""


class ApiStatusError(DubbingError):
    """The service answered with an error status.

    :param status_code: the HTTP status.
    :param body: the parsed JSON error body, or its text when it was not JSON.
    :param retry_after: seconds the service asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        call: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.call = call
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class BadRequestError(ApiStatusError):
    """400: the service refused the request as invalid."""


class UnprocessableEntityError(BadRequestError):
    """422: the request was well-formed but a field failed the service's validation."""


class AuthenticationError(ApiStatusError):
    """401: the API key or token is missing, wrong or revoked."""


class PermissionDeniedError(ApiStatusError):
    """403: the credentials are valid but may not do this (for BlendVision: often the org id)."""


class NotFoundError(ApiStatusError):
    """404: no such object (or it belongs to another account or organization)."""


class RateLimitError(ApiStatusError):
    """429: too many requests; ``retry_after`` says how long the service asked us to wait."""


class ServerError(ApiStatusError):
    """5xx: the service failed; usually worth another try."""


class ResponseValidationError(DubbingError):
    """A 2xx answer whose body does not fit the expected model.

    :param problems: short ``location: message`` lines, one per mismatch.
    """

    def __init__(self, message: str, *, call: str = "", problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.call = call
        self.problems = problems

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ResponseDecodeError(ResponseValidationError):
    """A 2xx answer that is not JSON at all: truncated, or an HTML page from a proxy."""


class ResponseTooLargeError(ResponseValidationError):
    """A 2xx answer larger than the client reads (``MAX_RESPONSE_BYTES``); it is not read whole."""


class RemoteOutcomeError(DubbingError):
    """The service reports that the work behind an id ended badly; asking again will not change it.

    :param service: the service's name.
    :param object_id: the export task or dubbing job id.
    :param status: the status the service reported, as it spelled it.
    :param reasons: the service's reasons, one line each (may be empty).
    """

    def __init__(
        self,
        message: str,
        *,
        service: str = "",
        object_id: str = "",
        status: str = "",
        reasons: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.service = service
        self.object_id = object_id
        self.status = status
        self.reasons = tuple(reasons)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class RemoteJobFailedError(RemoteOutcomeError):
    """The export or dubbing job failed on the service's side."""


class RemoteTimeoutError(RemoteOutcomeError):
    """The export timed out on the service's side (not our wait: that is a sensor timeout)."""


class PaymentRequiredError(RemoteOutcomeError):
    """The account must pay before the work can finish."""


def _rebuild(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    # Keyword-only constructors do not survive the default exception pickling, and
    # Airflow may pickle an exception when it crosses a process boundary.
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


_STATUS_CLASSES: dict[int, type[ApiStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[ApiStatusError]:
    """The exception class for an error status: one class per meaning."""
    if status_code >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status_code, ApiStatusError)
