"""The CAMB.AI hook: alt-format exports of dubbed runs."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.camb import endpoints
from airflow_provider_dubbing.camb.models import AltFormatTaskStatus
from airflow_provider_dubbing.client.call import ApiCall
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

    def _auth_headers(self, conn: ConnectionFields) -> dict[str, Any]:
        return endpoints.auth_headers(require_field(conn, "password", conn.password, "CAMB.AI API key"))

    def _test_call(self) -> ApiCall[Any]:
        return endpoints.list_source_languages()

    def get_alt_format_status(self, task_id: str, run_id: int | str | None = None) -> AltFormatTaskStatus:
        """The status of alt-format export ``task_id`` (``run_id`` narrows the lookup)."""
        return self._request(endpoints.get_alt_format_status(task_id, run_id))

    async def aget_alt_format_status(
        self, task_id: str, run_id: int | str | None = None
    ) -> AltFormatTaskStatus:
        """Async twin of :meth:`get_alt_format_status`."""
        return await self._arequest(endpoints.get_alt_format_status(task_id, run_id))

    def export_alt_format(self, run_id: int | str, language: int | str, output_format: str) -> str:
        """Start exporting dubbed run ``run_id`` in ``language`` as ``output_format``; the new task id."""
        return self._request(endpoints.export_alt_format(run_id, language, output_format)).task_id

    async def aexport_alt_format(self, run_id: int | str, language: int | str, output_format: str) -> str:
        """Async twin of :meth:`export_alt_format`."""
        return (await self._arequest(endpoints.export_alt_format(run_id, language, output_format))).task_id
