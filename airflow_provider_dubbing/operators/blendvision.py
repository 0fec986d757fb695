"""Operators for BlendVision One dubbing jobs (read one, or create one and wait for it)
and for download links of library files (a job's outputs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_dubbing._compat import BaseOperator
from airflow_provider_dubbing.blendvision import endpoints
from airflow_provider_dubbing.blendvision.files import job_files
from airflow_provider_dubbing.blendvision.outcomes import downloadable_files, judge_job
from airflow_provider_dubbing.client.errors import DubbingError, InvalidInputError
from airflow_provider_dubbing.hooks.blendvision import BlendVisionConnected, BlendVisionHook
from airflow_provider_dubbing.links.blendvision import CONSOLE_URL_XCOM_KEY, BlendVisionDubbingJobLink
from airflow_provider_dubbing.operators.base import DubbingReadOperator, DubbingStartOperator
from airflow_provider_dubbing.outputs.files import DubbedFile
from airflow_provider_dubbing.outputs.lineage import DatasetName, library_dataset
from airflow_provider_dubbing.tasks.base import DubbingTaskMixin, map_index_label
from airflow_provider_dubbing.tasks.failures import failure_for_call
from airflow_provider_dubbing.tasks.lineage import DubbingLineageMixin
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger
from airflow_provider_dubbing.waiting.verdict import Verdict

DOWNLOAD_LINKS_KEY = "download_links"
"""The key of the returned dict under which a succeeded job's download links go."""


def _publish_console_url(context: Any, hook: BlendVisionHook, job_id: str | None) -> None:
    if job_id:
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=hook.dubbing_job_console_url(job_id))


def _download_links(task: Any, files: Sequence[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """One link dict per ``(file id, lang_code)``, asked through ``task.hook``, each logged with
    its URI's query string left out.

    A failed request fails the task as any other failed call does: a refusal (404, 403)
    at once, a service that may heal through the task's retries.
    """
    links = []
    for file_id, lang_code in files:
        try:
            link = task.hook.get_download_link(file_id)
        except DubbingError as exc:
            raise failure_for_call(
                exc, conn_id=task.blendvision_conn_id, what=f"the download link of library file {file_id!r}"
            ) from exc
        task.log.info("%s", link.describe(lang_code))
        links.append(link.to_result(lang_code))
    return links


def _with_download_links(task: Any, result: dict[str, Any]) -> dict[str, Any]:
    if not task.download_links:
        return result
    return {**result, DOWNLOAD_LINKS_KEY: _download_links(task, downloadable_files(result))}


class BlendVisionGetDubbingJobOperator(DubbingLineageMixin, BlendVisionConnected, DubbingReadOperator):
    """Reads a BlendVision One dubbing job and returns it as a dict.

    The return value (XCom) is the API's ``dubbing_job`` object, the same dict
    :class:`.BlendVisionDubbingJobSensor` returns (``id``, ``status``, ``outputs`` with the
    dubbed file ids, ``interval_sec`` with decimal strings, ``created_at`` in ISO 8601),
    plus ``download_links`` unless ``download_links=False`` (see below).
    ``DUBBING_STATUS_FAILED`` fails the task without retries (:class:`.DubbingJobFailed`,
    naming every reason) unless ``fail_on_failure=False``; a job still running returns
    normally. The task's extra link opens the job in the BlendVision One console.

    ``download_links`` is a list with one dict per output that names a file:
    ``{"id", "lang_code", "download_uri", "download_filename", "expiration_time"}``
    (``expiration_time`` in ISO 8601). Each ``download_uri`` is presigned and short-lived:
    a credential for the file, for the next task to fetch it soon, and logged without its
    query string. The list is empty, and no link is asked for, unless the job succeeded;
    with ``download_links=False`` the key is absent. A failed link request fails the task
    as a failed read does.

    :param dubbing_job_id: the job's id (templated).
    :param blendvision_conn_id: the Airflow connection of type ``blendvision`` (templated).
    :param fail_on_failure: fail on ``DUBBING_STATUS_FAILED`` (default True).
    :param download_links: get a download link for each output file of a succeeded job
        (default True).
    """

    template_fields: Sequence[str] = ("dubbing_job_id", "blendvision_conn_id")
    service_name = endpoints.SERVICE.name
    noun = BlendVisionDubbingJobTrigger.noun
    operator_extra_links = (BlendVisionDubbingJobLink(),)

    def __init__(
        self,
        *,
        dubbing_job_id: str,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        download_links: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dubbing_job_id = dubbing_job_id
        self.blendvision_conn_id = blendvision_conn_id
        self.download_links = download_links

    @property
    def object_id(self) -> str:
        return str(self.dubbing_job_id)

    def check(self) -> Verdict:
        return self.hook.check_dubbing_job(self.dubbing_job_id)

    def publish(self, context: Any) -> None:
        _publish_console_url(context, self.hook, self.dubbing_job_id)

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """The job's dict, with ``download_links`` unless the option is off."""
        return _with_download_links(self, result)

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """A succeeded job's dubbed file per output."""
        return job_files(value, value.get(DOWNLOAD_LINKS_KEY))


class BlendVisionCreateDubbingJobOperator(DubbingLineageMixin, BlendVisionConnected, DubbingStartOperator):
    """Creates a BlendVision One dubbing job and, by default, waits until it succeeds.

    Returns (XCom) the job as the same dict :class:`.BlendVisionGetDubbingJobOperator`
    returns: the final job when it waited (``outputs[0].id`` is the dubbed file, and
    ``download_links`` holds a presigned link to it), the new job
    (``DUBBING_STATUS_CREATED``, ``download_links`` empty) with
    ``wait_for_completion=False``. ``download_links=False`` leaves the key out and asks
    for no link. The new job's id is also pushed at once under the XCom key
    ``dubbing_job_id``, and the task's extra link opens it in the BlendVision One console.

    The arguments are checked before any request. A job that fails
    (``DUBBING_STATUS_FAILED``) fails the task with :class:`.RemoteJobFailedError`, so its
    retries create a new job; a retry after any other failure reattaches to the job
    already created (see :class:`.DubbingStartOperator`).

    :param source_type: ``DUBBING_SOURCE_TYPE_VIDEO`` or ``DUBBING_SOURCE_TYPE_AUDIO``
        (``video``/``audio`` are accepted) (templated).
    :param source_id: the id of the video or audio in the BlendVision library (templated).
    :param source_lang_code: the source's language, ``en`` or ``en-US`` (templated).
    :param target_lang_code: the language to dub into, in the same form (templated).
    :param interval_sec: optional ``(start, end)`` in seconds, decimal strings or numbers (templated).
    :param blendvision_conn_id: the Airflow connection of type ``blendvision`` (templated).
    :param download_links: get a download link for each output file once the job
        succeeded (default True); a failed link request fails the try, and a retry
        reattaches to the succeeded job rather than creating another.

    The waiting parameters are those of :class:`.DubbingStartOperator`. A mapped instance
    is labelled by its ``target_lang_code``, e.g. ``ja``.
    """

    template_fields: Sequence[str] = (
        "source_type",
        "source_id",
        "source_lang_code",
        "target_lang_code",
        "interval_sec",
        "blendvision_conn_id",
    )
    service_name = endpoints.SERVICE.name
    noun = BlendVisionDubbingJobTrigger.noun
    started_id_key = "dubbing_job_id"
    operator_extra_links = (BlendVisionDubbingJobLink(),)

    def __init__(
        self,
        *,
        source_type: str,
        source_id: str,
        source_lang_code: str,
        target_lang_code: str,
        interval_sec: Any = None,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        download_links: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_type = source_type
        self.source_id = source_id
        self.source_lang_code = source_lang_code
        self.target_lang_code = target_lang_code
        self.interval_sec = interval_sec
        self.blendvision_conn_id = blendvision_conn_id
        self.download_links = download_links

    def _arguments(self) -> dict[str, Any]:
        return {
            "source_type": self.source_type,
            "source_id": self.source_id,
            "source_lang_code": self.source_lang_code,
            "target_lang_code": self.target_lang_code,
            "interval_sec": self.interval_sec,
        }

    @property
    def map_index_label(self) -> str:
        """A mapped instance's label: the language it dubs into."""
        return map_index_label(self.target_lang_code)

    def validate_request(self) -> None:
        endpoints.create_dubbing_job(**self._arguments())

    def source_datasets(self) -> list[DatasetName]:
        """The library video or audio the job dubs (lineage)."""
        source = library_dataset(self.source_id, self.source_type)
        return [] if source is None else [source]

    def start(self) -> Verdict:
        job = self.hook.create_dubbing_job(**self._arguments())
        self.started_id = job.id
        return judge_job(job)

    def check(self) -> Verdict:
        return self.hook.check_dubbing_job(self.object_id)

    def make_trigger(self, **wait: Any) -> BlendVisionDubbingJobTrigger:
        return BlendVisionDubbingJobTrigger(
            dubbing_job_id=self.object_id, blendvision_conn_id=self.blendvision_conn_id, **wait
        )

    def publish(self, context: Any) -> None:
        super().publish(context)
        _publish_console_url(context, self.hook, self.started_id)

    def console_url(self, object_id: str) -> str:
        return self.hook.dubbing_job_console_url(object_id)

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """The job's dict, with ``download_links`` unless the option is off."""
        return _with_download_links(self, result)

    def dubbed_files(self, value: dict[str, Any]) -> list[DubbedFile]:
        """A succeeded job's dubbed file per output."""
        return job_files(value, value.get(DOWNLOAD_LINKS_KEY))


class BlendVisionGetDownloadLinksOperator(BlendVisionConnected, DubbingTaskMixin, BaseOperator):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Gets a presigned download link for each of some BlendVision One library files.

    Returns (XCom) a list with one dict per id, in order: ``{"id", "lang_code",
    "download_uri", "download_filename", "expiration_time"}``, the shape of a job's
    ``download_links`` with ``lang_code`` None (a file id alone does not say its
    language). Each ``download_uri`` is presigned and short-lived: a credential for the
    file, for the next task to fetch it soon, and logged without its query string.

    ``file_ids`` takes ids from upstream tasks, e.g.
    ``file_ids="{{ ti.xcom_pull('create_job')['outputs'][0]['id'] }}"``, or maps over an
    upstream list with ``.partial(...).expand(file_ids=XComArg)``. An empty list or a
    blank id is refused before any request, naming the field (:class:`.InvalidInputError`
    when the DAG is parsed for a literal value, :class:`.DubbingRequestRefused` when a
    templated one renders so). A failed link request fails the task as a failed read does.

    :param file_ids: one library file id (a job output's ``id``) or a list of them (templated).
    :param blendvision_conn_id: the Airflow connection of type ``blendvision`` (templated).

    A mapped instance is labelled by its file id(s) unless the DAG sets its own
    ``map_index_template``.
    """

    template_fields: Sequence[str] = ("file_ids", "blendvision_conn_id")
    service_name = endpoints.SERVICE.name
    noun = "library file"

    def __init__(
        self,
        *,
        file_ids: str | Sequence[str],
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_ids = file_ids
        self.blendvision_conn_id = blendvision_conn_id
        if _is_literal(file_ids):
            # A blank or empty literal fails the DAG's import, naming the field.
            endpoints.check_file_ids(file_ids)

    @property
    def map_index_label(self) -> str:
        """A mapped instance's label: its file id(s)."""
        return map_index_label(self.file_ids)

    def execute(self, context: Any) -> list[dict[str, Any]]:
        """Check the ids, then get and return one link per id."""
        self.label_map_index(context)
        try:
            file_ids = endpoints.check_file_ids(self.file_ids)
        except InvalidInputError as exc:
            raise failure_for_call(exc, conn_id=self.conn_id, what="download links") from None
        return _download_links(self, [(file_id, None) for file_id in file_ids])


def _is_literal(value: Any) -> bool:
    """Whether ``value`` is written in the DAG file, not a template or an upstream result."""
    if isinstance(value, str):
        return "{{" not in value
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, str) and "{{" not in v for v in value)
    return False
