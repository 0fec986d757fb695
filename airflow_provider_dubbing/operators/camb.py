"""Operators for CAMB.AI alt-format exports: read one's status, or start one and wait for it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow_provider_dubbing.camb import endpoints
from airflow_provider_dubbing.client.outcome import Verdict
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.operators.base import DubbingReadOperator, DubbingStartOperator
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger


class CambGetAltFormatStatusOperator(DubbingReadOperator):
    """Reads the status of a CAMB.AI alt-format export and returns it as a dict.

    The return value (XCom) is ``{"task_id", "status", "run_id", "exception_reason",
    "message"}``, the same dict :class:`.CambAltFormatSensor` returns. ``ERROR``,
    ``TIMEOUT`` and ``PAYMENT_REQUIRED`` fail the task without retries
    (:class:`.DubbingJobFailed`, :class:`.DubbingRemoteTimeout`,
    :class:`.DubbingPaymentRequired`) unless ``fail_on_failure=False``; ``PENDING``
    returns normally.

    :param alt_format_task_id: the export task's id (templated).
    :param run_id: optionally, the dubbing run the export belongs to (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).
    :param fail_on_failure: fail on a failure status (default True).
    """

    template_fields: Sequence[str] = ("alt_format_task_id", "run_id", "camb_conn_id")
    service_name = endpoints.SERVICE.name
    trigger_class = CambAltFormatTrigger

    def __init__(
        self,
        *,
        alt_format_task_id: str,
        run_id: int | str | None = None,
        camb_conn_id: str = CambHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alt_format_task_id = alt_format_task_id
        self.run_id = run_id
        self.camb_conn_id = camb_conn_id

    @cached_property
    def hook(self) -> CambHook:
        """The hook of ``camb_conn_id``."""
        return CambHook(self.camb_conn_id)

    def check(self) -> Verdict:
        return self.hook.check_export(self.alt_format_task_id, self.run_id)


class CambExportAltFormatOperator(DubbingStartOperator):
    """Starts exporting a finished CAMB.AI dubbing run to another format and, by default,
    waits until the export is done.

    Returns (XCom) ``{"task_id", "status", "run_id", "exception_reason", "message"}``:
    final (``SUCCESS``; ``message`` says where the file is) when it waited, the first
    status (usually ``PENDING``) with ``wait_for_completion=False``. The export's task id
    is also pushed at once under the XCom key ``alt_format_task_id``.

    ``output_format`` and the other arguments are checked before any request (a literal
    ``output_format`` already when the DAG is parsed). ``ERROR`` and ``TIMEOUT`` fail the
    task with :class:`.RemoteJobFailedError` / :class:`.RemoteTimeoutError`, so its
    retries start a new export; ``PAYMENT_REQUIRED`` fails without retries
    (:class:`.DubbingPaymentRequired`). A retry after any other failure reattaches to the
    export already started (see :class:`.DubbingStartOperator`).

    :param run_id: the integer id of the finished dubbing run (templated).
    :param language: CAMB.AI's integer language id, or a locale tag such as ``es-ES`` (templated).
    :param output_format: ``flac wav mp3 aac m4a`` (audio) or ``mkv mp4 mov mxf`` (video) (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).

    The waiting parameters are those of :class:`.DubbingStartOperator`.
    """

    template_fields: Sequence[str] = ("run_id", "language", "output_format", "camb_conn_id")
    service_name = endpoints.SERVICE.name
    trigger_class = CambAltFormatTrigger

    def __init__(
        self,
        *,
        run_id: int | str,
        language: int | str,
        output_format: str,
        camb_conn_id: str = CambHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.run_id = run_id
        self.language = language
        self.output_format = output_format
        self.camb_conn_id = camb_conn_id
        self.alt_format_task_id: str | None = None
        if isinstance(output_format, str) and "{{" not in output_format:
            # A typo in a literal format fails the DAG's import, naming the field.
            endpoints.check_output_format(output_format)

    @cached_property
    def hook(self) -> CambHook:
        """The hook of ``camb_conn_id``."""
        return CambHook(self.camb_conn_id)

    def validate_request(self) -> None:
        endpoints.export_alt_format(self.run_id, self.language, self.output_format)

    def start(self) -> None:
        self.alt_format_task_id = self.hook.export_alt_format(self.run_id, self.language, self.output_format)

    def check(self) -> Verdict:
        return self.hook.check_export(str(self.alt_format_task_id), self.run_id)
