"""The CAMB.AI hook: alt-format exports of dubbed runs."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing import connection_forms
from airflow_provider_dubbing.camb import endpoints
from airflow_provider_dubbing.camb.models import AltFormatTaskStatus
from airflow_provider_dubbing.camb.outcomes import judge_export
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.outcome import Verdict
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.connection_forms import CAMB_CONN_TYPE
from airflow_provider_dubbing.hooks.base import DubbingHook, require_field
from airflow_provider_dubbing.hooks.connection import ConnectionFields


class CambHook(DubbingHook):
    """Calls CAMB.AI with the API key of an Airflow connection of type ``camb``.

    The connection's password is the API key (sent as ``x-api-key``); its host is the
    base URL, ``https://client.camb.ai/apis`` when empty (a host without a scheme means
    https; a port and a path prefix are kept).

    :param camb_conn_id: the Airflow connection to use.
    :param timeout_s: the per-request timeout, in seconds.
    :param retry: how transient failures are retried inside one call.
    """

    conn_name_attr = "camb_conn_id"
    default_conn_name = "camb_default"
    conn_type = CAMB_CONN_TYPE
    hook_name = "CAMB.AI"
    service = endpoints.SERVICE

    def __init__(
        self,
        camb_conn_id: str = default_conn_name,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(camb_conn_id, timeout_s=timeout_s, retry=retry)
        self.camb_conn_id = camb_conn_id

    # Airflow 2.x-3.1 read these only when the hook class defines them itself, not when
    # they are inherited, so each concrete hook carries its own pair.
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Labels, placeholders and hidden fields of the connection form (Airflow 2.x-3.1)."""
        return connection_forms.ui_field_behaviour(cls.conn_type)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra inputs of the connection form (Airflow 2.x-3.1)."""
        return connection_forms.form_widgets(cls.conn_type)

    def _auth_headers(self, conn: ConnectionFields) -> dict[str, Any]:
        return endpoints.auth_headers(require_field(conn, "password", conn.password, "CAMB.AI API key"))

    def _test_call(self) -> ApiCall[Any]:
        return endpoints.list_source_languages()

    def get_alt_format_status(self, task_id: str, run_id: int | str | None = None) -> AltFormatTaskStatus:
        """The status of an alt-format export task.

        :param task_id: the id ``export_alt_format`` returned.
        :param run_id: optionally, the dubbing run the export belongs to (an integer).
        :return: the task's ``status``, ``run_id``, ``exception_reason`` and ``message``.
        """
        return self._request(endpoints.get_alt_format_status(task_id, run_id))

    async def aget_alt_format_status(
        self, task_id: str, run_id: int | str | None = None
    ) -> AltFormatTaskStatus:
        """Async twin of :meth:`get_alt_format_status`, with the same parameters."""
        return await self._arequest(endpoints.get_alt_format_status(task_id, run_id))

    def check_export(self, task_id: str, run_id: int | str | None = None) -> Verdict:
        """Read an export's status and say what it means (``camb.outcomes``): one check of a wait."""
        return judge_export(task_id, self.get_alt_format_status(task_id, run_id))

    async def acheck_export(self, task_id: str, run_id: int | str | None = None) -> Verdict:
        """Async twin of :meth:`check_export`, with the same parameters."""
        return judge_export(task_id, await self.aget_alt_format_status(task_id, run_id))

    def export_alt_format(self, run_id: int | str, language: int | str, output_format: str) -> str:
        """Start exporting a finished dubbing run to another file format.

        The arguments are checked before the request; the request is retried only when it
        surely never reached CAMB.AI, so a retry never starts a second export.

        :param run_id: the integer id of the finished dubbing run.
        :param language: CAMB.AI's integer language id, or a locale tag such as ``es-ES``.
        :param output_format: an audio format (``flac wav mp3 aac m4a``) or a video one (``mkv mp4 mov mxf``).
        :return: the new export task's id.
        """
        return self._request(endpoints.export_alt_format(run_id, language, output_format)).task_id

    async def aexport_alt_format(self, run_id: int | str, language: int | str, output_format: str) -> str:
        """Async twin of :meth:`export_alt_format`, with the same parameters."""
        return (await self._arequest(endpoints.export_alt_format(run_id, language, output_format))).task_id
