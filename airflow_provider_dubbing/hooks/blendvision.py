"""The BlendVision One hook: CMS dubbing jobs."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.blendvision import endpoints
from airflow_provider_dubbing.blendvision.models import DubbingJob
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.connection_forms import BLENDVISION_CONN_TYPE
from airflow_provider_dubbing.hooks.base import DubbingHook, require_field
from airflow_provider_dubbing.hooks.connection import ConnectionFields


class BlendVisionHook(DubbingHook):
    """Calls BlendVision One with the API token of an Airflow connection of type ``blendvision``.

    The connection's password is the API token (sent as ``Authorization: Bearer``); the
    extra field ``org_id`` is the organization (sent as ``x-bv-org-id``); the host is the
    base URL, ``https://api.one.blendvision.com`` when empty.

    :param blendvision_conn_id: the Airflow connection to use.
    :param timeout_s: the per-request timeout, in seconds.
    :param retry: how transient failures are retried inside one call.
    """

    conn_name_attr = "blendvision_conn_id"
    default_conn_name = "blendvision_default"
    conn_type = BLENDVISION_CONN_TYPE
    hook_name = "BlendVision One"
    service = endpoints.SERVICE

    def __init__(
        self,
        blendvision_conn_id: str = default_conn_name,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(blendvision_conn_id, timeout_s=timeout_s, retry=retry)
        self.blendvision_conn_id = blendvision_conn_id

    def _auth_headers(self, conn: ConnectionFields) -> dict[str, Any]:
        token = require_field(conn, "password", conn.password, "BlendVision One API token")
        org_id = require_field(
            conn, "extra.org_id", conn.extra_value("org_id"), "organization id (x-bv-org-id)"
        )
        return endpoints.auth_headers(token, org_id)

    def _test_call(self) -> ApiCall[Any]:
        return endpoints.get_accounts()

    def get_dubbing_job(self, job_id: str) -> DubbingJob:
        """The dubbing job ``job_id``."""
        return self._request(endpoints.get_dubbing_job(job_id))

    async def aget_dubbing_job(self, job_id: str) -> DubbingJob:
        """Async twin of :meth:`get_dubbing_job`."""
        return await self._arequest(endpoints.get_dubbing_job(job_id))

    def create_dubbing_job(
        self,
        source_type: str,
        source_id: str,
        source_lang_code: str,
        target_lang_code: str,
        interval_sec: Any = None,
    ) -> DubbingJob:
        """Create a job dubbing ``source_id`` from ``source_lang_code`` into ``target_lang_code``.

        :param source_type: ``DUBBING_SOURCE_TYPE_VIDEO`` or ``DUBBING_SOURCE_TYPE_AUDIO``
            (``video``/``audio`` are accepted).
        :param interval_sec: optional ``(start, end)`` seconds, as decimal strings or numbers.
        """
        return self._request(
            endpoints.create_dubbing_job(
                source_type, source_id, source_lang_code, target_lang_code, interval_sec
            )
        )

    async def acreate_dubbing_job(
        self,
        source_type: str,
        source_id: str,
        source_lang_code: str,
        target_lang_code: str,
        interval_sec: Any = None,
    ) -> DubbingJob:
        """Async twin of :meth:`create_dubbing_job`."""
        return await self._arequest(
            endpoints.create_dubbing_job(
                source_type, source_id, source_lang_code, target_lang_code, interval_sec
            )
        )
