"""Operators for CAMB.AI: dub a video, read where a run's dubbed files are, and export a run
to another format (or read an export's status)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_dubbing.camb import endpoints
from airflow_provider_dubbing.camb.files import dub_files, export_files, run_files
from airflow_provider_dubbing.camb.models import ExportReady
from airflow_provider_dubbing.camb.outcomes import judge_dubbing_result, judge_ready_export
from airflow_provider_dubbing.client.errors import DubbingError, ResponseValidationError
from airflow_provider_dubbing.hooks.camb import CambConnected, CambHook
from airflow_provider_dubbing.operators.base import DubbingReadOperator, DubbingStartOperator
from airflow_provider_dubbing.outputs.files import DubbedFile
from airflow_provider_dubbing.outputs.lineage import DatasetName, file_dataset, media_dataset
from airflow_provider_dubbing.outputs.uris import camb_uri
from airflow_provider_dubbing.tasks.base import map_index_label
from airflow_provider_dubbing.tasks.failures import failure_for_call
from airflow_provider_dubbing.tasks.lineage import AUDIO_FORMATS, DubbingLineageMixin
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger, CambDubbingTrigger
from airflow_provider_dubbing.waiting.verdict import Verdict


class CambDubOperator(DubbingLineageMixin, CambConnected, DubbingStartOperator):
    """Dubs a video with CAMB.AI (``POST dub``), by default waits until the dub is done, and
    returns where the dubbed files are.

    Returns (XCom) ``{"task_id", "status", "run_id", "exception_reason", "message",
    "result"}``: when it waited and the dub succeeded, ``result`` is the run's
    ``{"run_id", "outputs": [{"language", "video_url", "audio_url", "transcript"}, ...]}``
    (as :class:`.CambGetDubbingResultOperator` returns it; the URLs are presigned and
    expire, so fetch them downstream soon); with ``wait_for_completion=False`` the first
    status with ``result`` None. The dub's task id is also pushed at once under the XCom
    key ``dubbing_task_id``.

    Every argument is checked before any request (an empty or non-http(s) ``video_url``,
    no target language, a language that is neither an integer id nor a locale tag):
    :class:`.InvalidInputError` naming the field. ``ERROR`` and ``TIMEOUT`` fail the task
    with :class:`.RemoteJobFailedError` / :class:`.RemoteTimeoutError`, so its retries
    start a new dub; ``PAYMENT_REQUIRED`` fails without retries. A retry after any other
    failure reattaches to the dub already started, so one try never pays for two dubs
    (see :class:`.DubbingStartOperator`).

    :param video_url: the source video or audio: a direct http(s) media link, a YouTube or
        a public Google Drive link (templated).
    :param source_language: CAMB.AI's integer language id, a locale tag, or ``auto`` (templated).
    :param target_languages: one or more language ids or locale tags (templated).
    :param project_name: optionally, the project's name in CAMB.AI (templated).
    :param dub_options: other optional fields of ``POST dub`` by their API names
        (``project_description``, ``folder_id``, ``selected_audio_tracks``,
        ``add_output_as_an_audio_track``, ``chosen_dictionaries``, ``ai_optimization``,
        ``transcription_mode``) (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).

    The waiting parameters are those of :class:`.DubbingStartOperator`. A mapped instance
    is labelled by its target language(s), e.g. ``ja`` or ``fr de``.
    """

    template_fields: Sequence[str] = (
        "video_url",
        "source_language",
        "target_languages",
        "project_name",
        "dub_options",
        "camb_conn_id",
    )
    service_name = endpoints.SERVICE.name
    noun = CambDubbingTrigger.noun
    started_id_key = "dubbing_task_id"

    def __init__(
        self,
        *,
        video_url: str,
        source_language: int | str,
        target_languages: int | str | Sequence[int | str],
        project_name: str | None = None,
        dub_options: dict[str, Any] | None = None,
        camb_conn_id: str = CambHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.video_url = video_url
        self.source_language = source_language
        self.target_languages = target_languages
        self.project_name = project_name
        self.dub_options = dub_options
        self.camb_conn_id = camb_conn_id

    @property
    def map_index_label(self) -> str:
        """A mapped instance's label: its target language(s)."""
        return map_index_label(self.target_languages)

    def _arguments(self) -> dict[str, Any]:
        languages = self.target_languages
        return {
            **(self.dub_options or {}),
            "video_url": self.video_url,
            "source_language": self.source_language,
            "target_languages": list(languages) if isinstance(languages, (list, tuple)) else languages,
            "project_name": self.project_name,
        }

    def validate_request(self) -> None:
        endpoints.dub(**self._arguments())

    def start(self) -> None:
        self.started_id = self.hook.dub(**self._arguments())

    def check(self) -> Verdict:
        return self.hook.check_dubbing(self.object_id)

    def make_trigger(self, **wait: Any) -> CambDubbingTrigger:
        return CambDubbingTrigger(dubbing_task_id=self.object_id, camb_conn_id=self.camb_conn_id, **wait)

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """The dub's status dict, with ``result``: where the files are, once it succeeded."""
        if result.get("status") != "SUCCESS":
            return {**result, "result": None}
        try:
            if result.get("run_id") is None:
                raise ResponseValidationError(
                    f"{self.what} reported SUCCESS without a run_id, so its files cannot be looked up",
                    call="GET dub/{task_id}",
                    problems=("run_id: missing on SUCCESS",),
                )
            verdict = judge_dubbing_result(self.hook.get_dubbing_result(result["run_id"]))
        except DubbingError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what=f"the result of {self.what}") from exc
        self.log.info("%s", verdict.summary)
        return {**result, "result": verdict.result}

    def source_datasets(self) -> list[DatasetName]:
        """The source video, by its URL without userinfo or query string (lineage)."""
        source = media_dataset(self.video_url)
        return [] if source is None else [source]

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """A succeeded dub's video and audio file per language."""
        return dub_files(value, self.target_languages)


class CambGetDubbingResultOperator(DubbingLineageMixin, CambConnected, DubbingReadOperator):
    """Reads where a finished CAMB.AI run's dubbed files are (``GET dub-result/{run_id}``).

    Returns (XCom) ``{"run_id", "outputs": [{"language", "video_url", "audio_url",
    "transcript"}, ...]}``: one output per target language (``language`` is None when
    CAMB.AI answered one object rather than a map by language). Both spellings the service
    uses for the URL fields (``output_video_url``, ``video_url``) are read; the dict uses
    ``video_url`` and ``audio_url``. The URLs are presigned and expire. An unknown run
    fails the task without retries (:class:`.DubbingRequestRefused`, 404); a ``run_id``
    that is not a positive integer is refused before any request.

    :param run_id: the integer id of a finished dubbing run (templated; e.g. from
        :class:`.CambDubbingSensor`'s XCom).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).
    """

    template_fields: Sequence[str] = ("run_id", "camb_conn_id")
    service_name = endpoints.SERVICE.name
    noun = "dubbing run"

    def __init__(
        self, *, run_id: int | str, camb_conn_id: str = CambHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.run_id = run_id
        self.camb_conn_id = camb_conn_id

    @property
    def object_id(self) -> str:
        return str(self.run_id)

    def check(self) -> Verdict:
        return judge_dubbing_result(self.hook.get_dubbing_result(self.run_id))

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """The run's video and audio file per language."""
        return run_files(value, noun=self.noun, object_id=self.run_id)


class CambGetAltFormatStatusOperator(DubbingLineageMixin, CambConnected, DubbingReadOperator):
    """Reads the status of a CAMB.AI alt-format export and returns it as a dict.

    The return value (XCom) is ``{"task_id", "status", "run_id", "exception_reason",
    "message", "output_url"}``, the same dict :class:`.CambAltFormatSensor` returns
    (``output_url`` None: the status answer documents no file location). ``ERROR``,
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
    noun = CambAltFormatTrigger.noun

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

    @property
    def object_id(self) -> str:
        return str(self.alt_format_task_id)

    def check(self) -> Verdict:
        return self.hook.check_export(self.alt_format_task_id, self.run_id)


class CambExportAltFormatOperator(DubbingLineageMixin, CambConnected, DubbingStartOperator):
    """Exports a finished CAMB.AI dubbing run to another format and, by default, waits
    until the export is done.

    Returns (XCom) ``{"task_id", "status", "run_id", "exception_reason", "message",
    "output_url"}``. CAMB.AI answers the export in one of two documented forms:

    - ``output_url``: the file is ready. The task returns at once (no status poll) with
      ``status`` ``SUCCESS``, ``output_url`` the presigned URL (it expires: fetch it
      downstream soon) and ``task_id`` None.
    - ``task_id``: the export runs; the task waits as for any other job and returns the
      final status with ``output_url`` None, since the status answer documents no file
      location. The operator never posts the export again to obtain a URL: that could
      start, and bill, a second export.

    With ``wait_for_completion=False`` a ``task_id`` export returns its first status
    (usually ``PENDING``). The export's task id is pushed at once under the XCom key
    ``alt_format_task_id``; a ready export has none, so nothing is pushed and a pull reads None.

    ``output_format`` and the other arguments are checked before any request (a literal
    ``output_format`` already when the DAG is parsed). ``ERROR`` and ``TIMEOUT`` fail the
    task with :class:`.RemoteJobFailedError` / :class:`.RemoteTimeoutError`, so its
    retries start a new export; ``PAYMENT_REQUIRED`` fails without retries
    (:class:`.DubbingPaymentRequired`). A retry after any other failure reattaches to the
    export already started, and a retry after a ready export returns the URL the first try
    got (see :class:`.DubbingStartOperator`).

    :param run_id: the integer id of the finished dubbing run (templated).
    :param language: CAMB.AI's integer language id, or a locale tag such as ``es-ES`` (templated).
    :param output_format: ``flac wav mp3 aac m4a`` (audio) or ``mkv mp4 mov mxf`` (video) (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).

    The waiting parameters are those of :class:`.DubbingStartOperator`. A mapped instance
    is labelled by its language and format, e.g. ``es-ES mp4``.
    """

    template_fields: Sequence[str] = ("run_id", "language", "output_format", "camb_conn_id")
    service_name = endpoints.SERVICE.name
    noun = CambAltFormatTrigger.noun
    started_id_key = "alt_format_task_id"

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
        if isinstance(output_format, str) and "{{" not in output_format:
            # A typo in a literal format fails the DAG's import, naming the field.
            endpoints.check_output_format(output_format)

    @property
    def map_index_label(self) -> str:
        """A mapped instance's label: its language and output format."""
        return map_index_label(self.language, self.output_format)

    def validate_request(self) -> None:
        endpoints.export_alt_format(self.run_id, self.language, self.output_format)

    def start(self) -> Verdict | None:
        answer = self.hook.export_alt_format(self.run_id, self.language, self.output_format)
        self.started_id = answer.task_id
        if isinstance(answer, ExportReady):
            return judge_ready_export(answer, self.run_id, self.language, self.output_format)
        return None

    def check(self) -> Verdict:
        return self.hook.check_export(self.object_id, self.run_id)

    def make_trigger(self, **wait: Any) -> CambAltFormatTrigger:
        return CambAltFormatTrigger(
            alt_format_task_id=self.object_id, run_id=self.run_id, camb_conn_id=self.camb_conn_id, **wait
        )

    def source_datasets(self) -> list[DatasetName]:
        """The run's dubbed audio (for an audio format) or video in the export's language (lineage)."""
        kind = "audio" if str(self.output_format).lower() in AUDIO_FORMATS else "video"
        return [file_dataset(camb_uri(self.run_id, self.language, kind))]

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """A succeeded export's one file (its location only when the create call answered a URL)."""
        return export_files(
            value, run_id=self.run_id, language=self.language, output_format=self.output_format
        )
