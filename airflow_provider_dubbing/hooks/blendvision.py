"""The BlendVision One hook: CMS dubbing jobs and download links of library files."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

from airflow_provider_dubbing.blendvision import endpoints
from airflow_provider_dubbing.blendvision.models import DubbingJob, FileDownloadLink
from airflow_provider_dubbing.blendvision.outcomes import judge_job
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.hooks import connection_forms
from airflow_provider_dubbing.hooks.base import DubbingHook, StatusCheck, require_field
from airflow_provider_dubbing.hooks.connection import ConnectionFields
from airflow_provider_dubbing.hooks.connection_forms import BLENDVISION_CONN_TYPE
from airflow_provider_dubbing.waiting.verdict import Verdict

# BlendVision One's web console. The public API reference does not document its page
# paths, so the connection's ``console_url`` extra can replace the whole template.
DEFAULT_CONSOLE_URL = "https://app.one.blendvision.com/cms/dubbing/{job_id}"


class BlendVisionHook(DubbingHook):
    """Calls BlendVision One with the API token of an Airflow connection of type ``blendvision``.

    The connection's password is the API token (sent as ``Authorization: Bearer``); the
    extra field ``org_id`` is the organization (sent as ``x-bv-org-id``); the host is the
    base URL, ``https://api.one.blendvision.com`` when empty. The optional extra
    ``console_url`` is the console page of a job, with ``{job_id}`` where the id goes.

    :param blendvision_conn_id: the Airflow connection to use.
    :param timeout_s: the per-request timeout, in seconds.
    :param retry: how transient failures are retried inside one call.
    :param transport: an httpx transport instead of the shared clients (tests).
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
        transport: Any = None,
    ) -> None:
        super().__init__(blendvision_conn_id, timeout_s=timeout_s, retry=retry, transport=transport)
        self.blendvision_conn_id = blendvision_conn_id

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
        token = require_field(conn, "password", conn.password, "BlendVision One API token")
        org_id = require_field(
            conn, "extra.org_id", conn.extra_value("org_id"), "organization id (x-bv-org-id)"
        )
        return endpoints.auth_headers(token, org_id)

    def _test_call(self) -> ApiCall[Any]:
        return endpoints.get_accounts()

    def get_dubbing_job(self, job_id: str) -> DubbingJob:
        """Read a dubbing job.

        :param job_id: the job's id.
        :return: the job, its ``status`` and, once failed, its ``error_infos``.
        """
        return self._request(endpoints.get_dubbing_job(job_id))

    async def aget_dubbing_job(self, job_id: str) -> DubbingJob:
        """Async twin of :meth:`get_dubbing_job`, with the same parameters."""
        return await self._arequest(endpoints.get_dubbing_job(job_id))

    def dubbing_job_check(self, job_id: str) -> StatusCheck[DubbingJob]:
        """The check of a job (``blendvision.outcomes`` says what its status means), built once for a wait."""
        return self.status_check(endpoints.get_dubbing_job(job_id), judge_job)

    def check_dubbing_job(self, job_id: str) -> Verdict:
        """Read a job once and say what its status means."""
        return self.dubbing_job_check(job_id).check()

    async def acheck_dubbing_job(self, job_id: str) -> Verdict:
        """Async twin of :meth:`check_dubbing_job`, with the same parameters."""
        return await self.dubbing_job_check(job_id).acheck()

    def create_dubbing_job(
        self,
        source_type: str,
        source_id: str,
        source_lang_code: str,
        target_lang_code: str,
        interval_sec: Any = None,
    ) -> DubbingJob:
        """Create a dubbing job; the arguments are checked before the request.

        The request is retried only when it surely never reached BlendVision One, so a
        retry never creates a second job.

        :param source_type: ``DUBBING_SOURCE_TYPE_VIDEO`` or ``DUBBING_SOURCE_TYPE_AUDIO``
            (``video``/``audio`` are accepted).
        :param source_id: the id of the video or audio in the BlendVision library.
        :param source_lang_code: the source's language, ISO 639-1 with an optional region (``en``, ``en-US``).
        :param target_lang_code: the language to dub into, in the same form.
        :param interval_sec: optional ``(start, end)`` in seconds, as decimal strings or numbers.
        :return: the created job (status ``DUBBING_STATUS_CREATED``).
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
        """Async twin of :meth:`create_dubbing_job`, with the same parameters."""
        return await self._arequest(
            endpoints.create_dubbing_job(
                source_type, source_id, source_lang_code, target_lang_code, interval_sec
            )
        )

    def get_download_link(self, file_id: str) -> FileDownloadLink:
        """Get a presigned, short-lived link to a file of the library (a job output's ``id``).

        ``download_uri`` is a credential for the file until ``expiration_time``: show it
        only through :func:`.shown_url`.

        :param file_id: the library file's id.
        :return: the link: ``id``, ``download_uri``, ``download_filename``, ``expiration_time``.
        """
        return self._request(endpoints.download_link(file_id))

    async def aget_download_link(self, file_id: str) -> FileDownloadLink:
        """Async twin of :meth:`get_download_link`, with the same parameters."""
        return await self._arequest(endpoints.download_link(file_id))

    def dubbing_job_console_url(self, job_id: str) -> str:
        """The job's page in the BlendVision One console: the connection's ``console_url``
        extra (``{job_id}`` is replaced by the id), else :data:`DEFAULT_CONSOLE_URL`."""
        template = self.get_connection_fields().extra_value("console_url") or DEFAULT_CONSOLE_URL
        return str(template).replace("{job_id}", quote(str(job_id), safe=""))


class BlendVisionConnected:
    """What the BlendVision One sensor and operators share: the hook of their
    ``blendvision_conn_id``, built on first use (rebuilt, never copied, with the task)."""

    blendvision_conn_id: str

    @property
    def conn_id(self) -> str:
        """The Airflow connection used (read live: Airflow renders templates after ``__init__``)."""
        return self.blendvision_conn_id

    @cached_property
    def hook(self) -> BlendVisionHook:
        """The hook of ``blendvision_conn_id``."""
        return BlendVisionHook(self.blendvision_conn_id)
