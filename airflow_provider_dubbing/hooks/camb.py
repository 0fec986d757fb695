"""The CAMB.AI hook: dubbing a video, where its dubbed files are, and alt-format exports of a run."""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from airflow_provider_dubbing.camb import endpoints
from airflow_provider_dubbing.camb.models import AltFormatExport, DubbingResult, TaskProgress
from airflow_provider_dubbing.camb.outcomes import judge_dubbing, judge_export
from airflow_provider_dubbing.client.call import ApiCall
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.hooks import connection_forms
from airflow_provider_dubbing.hooks.base import DubbingHook, StatusCheck, require_field
from airflow_provider_dubbing.hooks.connection import ConnectionFields
from airflow_provider_dubbing.hooks.connection_forms import CAMB_CONN_TYPE
from airflow_provider_dubbing.waiting.verdict import Verdict


class CambHook(DubbingHook):
    """Calls CAMB.AI with the API key of an Airflow connection of type ``camb``.

    The connection's password is the API key (sent as ``x-api-key``); its host is the
    base URL, ``https://client.camb.ai/apis`` when empty (a host without a scheme means
    https; a port and a path prefix are kept).

    :param camb_conn_id: the Airflow connection to use.
    :param timeout_s: the per-request timeout, in seconds.
    :param retry: how transient failures are retried inside one call.
    :param transport: an httpx transport instead of the shared clients (tests).
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
        transport: Any = None,
    ) -> None:
        super().__init__(camb_conn_id, timeout_s=timeout_s, retry=retry, transport=transport)
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

    def dub(
        self,
        video_url: str,
        source_language: int | str,
        target_languages: int | str | list[int | str],
        **options: Any,
    ) -> str:
        """Start dubbing a video (``POST dub``).

        The arguments are checked before the request; the request is retried only when it
        surely never reached CAMB.AI, so a retry never starts (and pays for) a second dub.

        :param video_url: the source: an http(s) link to the video or audio (a direct media
            link, a YouTube or a public Google Drive link).
        :param source_language: CAMB.AI's integer language id, a locale tag, or ``auto``.
        :param target_languages: one or more language ids or locale tags.
        :param options: the optional fields of ``POST dub`` (``project_name``,
            ``project_description``, ``folder_id``, ``selected_audio_tracks``,
            ``add_output_as_an_audio_track``, ``chosen_dictionaries``, ``ai_optimization``,
            ``transcription_mode``); an unknown name is an :class:`InvalidInputError`.
        :return: the new dub's task id; follow it with :meth:`get_dubbing_status`.
        """
        return self._request(endpoints.dub(video_url, source_language, target_languages, **options)).task_id

    async def adub(
        self,
        video_url: str,
        source_language: int | str,
        target_languages: int | str | list[int | str],
        **options: Any,
    ) -> str:
        """Async twin of :meth:`dub`, with the same parameters."""
        call = endpoints.dub(video_url, source_language, target_languages, **options)
        return (await self._arequest(call)).task_id

    def get_dubbing_status(self, task_id: str, run_id: int | str | None = None) -> TaskProgress:
        """The status of a dub (``GET dub/{task_id}``); on ``SUCCESS`` its ``run_id`` names the run.

        :param task_id: the id :meth:`dub` returned.
        :param run_id: optionally, the run (an integer), when it is known.
        """
        return self._request(endpoints.get_dubbing_status(task_id, run_id))

    async def aget_dubbing_status(self, task_id: str, run_id: int | str | None = None) -> TaskProgress:
        """Async twin of :meth:`get_dubbing_status`, with the same parameters."""
        return await self._arequest(endpoints.get_dubbing_status(task_id, run_id))

    def dubbing_check(self, task_id: str) -> StatusCheck[TaskProgress]:
        """The check of a dub's status (``camb.outcomes`` says what it means), built once for a wait."""
        return self.status_check(endpoints.get_dubbing_status(task_id), partial(judge_dubbing, task_id))

    def check_dubbing(self, task_id: str) -> Verdict:
        """Read a dub's status once and say what it means."""
        return self.dubbing_check(task_id).check()

    async def acheck_dubbing(self, task_id: str) -> Verdict:
        """Async twin of :meth:`check_dubbing`, with the same parameters."""
        return await self.dubbing_check(task_id).acheck()

    def get_dubbing_result(self, run_id: int | str) -> DubbingResult:
        """Where a finished run's dubbed files are (``GET dub-result/{run_id}``).

        The service answers one object or a map from language to objects, and spells the
        URL fields two ways; both shapes and spellings parse into one :class:`DubbingResult`
        (``outputs``: one entry per language, each with ``video_url``, ``audio_url`` and
        ``transcript``). The URLs are presigned and expire.

        :param run_id: the integer id of a finished run (the dub's status names it).
        """
        return self._request(endpoints.get_dubbing_result(run_id))

    async def aget_dubbing_result(self, run_id: int | str) -> DubbingResult:
        """Async twin of :meth:`get_dubbing_result`, with the same parameters."""
        return await self._arequest(endpoints.get_dubbing_result(run_id))

    def get_alt_format_status(self, task_id: str, run_id: int | str | None = None) -> TaskProgress:
        """The status of an alt-format export task.

        :param task_id: the id ``export_alt_format`` returned.
        :param run_id: optionally, the dubbing run the export belongs to (an integer).
        :return: the task's ``status``, ``run_id``, ``exception_reason`` and ``message``.
        """
        return self._request(endpoints.get_alt_format_status(task_id, run_id))

    async def aget_alt_format_status(self, task_id: str, run_id: int | str | None = None) -> TaskProgress:
        """Async twin of :meth:`get_alt_format_status`, with the same parameters."""
        return await self._arequest(endpoints.get_alt_format_status(task_id, run_id))

    def export_check(self, task_id: str, run_id: int | str | None = None) -> StatusCheck[TaskProgress]:
        """The check of an export's status (``camb.outcomes`` says what it means), built once for a wait."""
        return self.status_check(
            endpoints.get_alt_format_status(task_id, run_id), partial(judge_export, task_id)
        )

    def check_export(self, task_id: str, run_id: int | str | None = None) -> Verdict:
        """Read an export's status once and say what it means."""
        return self.export_check(task_id, run_id).check()

    async def acheck_export(self, task_id: str, run_id: int | str | None = None) -> Verdict:
        """Async twin of :meth:`check_export`, with the same parameters."""
        return await self.export_check(task_id, run_id).acheck()

    def export_alt_format(
        self, run_id: int | str, language: int | str, output_format: str
    ) -> AltFormatExport:
        """Export a finished dubbing run to another file format.

        CAMB.AI answers in one of two documented forms, and the return type says which:
        :class:`~airflow_provider_dubbing.camb.models.ExportReady` (``output_url``: the file
        is ready, a presigned URL that expires; nothing to poll) or
        :class:`~airflow_provider_dubbing.camb.models.TaskStarted` (``task_id``: follow it
        with :meth:`get_alt_format_status`). The arguments are checked before the request;
        the request is retried only when it surely never reached CAMB.AI, so a retry never
        starts a second export.

        :param run_id: the integer id of the finished dubbing run.
        :param language: CAMB.AI's integer language id, or a locale tag such as ``es-ES``.
        :param output_format: an audio format (``flac wav mp3 aac m4a``) or a video one (``mkv mp4 mov mxf``).
        """
        return self._request(endpoints.export_alt_format(run_id, language, output_format))

    async def aexport_alt_format(
        self, run_id: int | str, language: int | str, output_format: str
    ) -> AltFormatExport:
        """Async twin of :meth:`export_alt_format`, with the same parameters."""
        return await self._arequest(endpoints.export_alt_format(run_id, language, output_format))


class CambConnected:
    """What the CAMB.AI sensors and operators share: the hook of their ``camb_conn_id``,
    built on first use (rebuilt, never copied, with the task)."""

    camb_conn_id: str

    @property
    def conn_id(self) -> str:
        """The Airflow connection used (read live: Airflow renders templates after ``__init__``)."""
        return self.camb_conn_id

    @cached_property
    def hook(self) -> CambHook:
        """The hook of ``camb_conn_id``."""
        return CambHook(self.camb_conn_id)
