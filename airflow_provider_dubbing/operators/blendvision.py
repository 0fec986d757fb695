"""Operators for BlendVision One dubbing jobs: read one, or create one and wait for it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow_provider_dubbing.blendvision import endpoints
from airflow_provider_dubbing.blendvision.outcomes import judge_job
from airflow_provider_dubbing.client.outcome import Verdict
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.links.blendvision import CONSOLE_URL_XCOM_KEY, BlendVisionDubbingJobLink
from airflow_provider_dubbing.operators.base import DubbingReadOperator, DubbingStartOperator
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger


def _publish_console_url(context: Any, hook: BlendVisionHook, job_id: str | None) -> None:
    if job_id:
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=hook.dubbing_job_console_url(job_id))


class BlendVisionGetDubbingJobOperator(DubbingReadOperator):
    """Reads a BlendVision One dubbing job and returns it as a dict.

    The return value (XCom) is the API's ``dubbing_job`` object, the same dict
    :class:`.BlendVisionDubbingJobSensor` returns (``id``, ``status``, ``outputs`` with the
    dubbed file ids, ``interval_sec`` with decimal strings, ``created_at`` in ISO 8601).
    ``DUBBING_STATUS_FAILED`` fails the task without retries (:class:`.DubbingJobFailed`,
    naming every reason) unless ``fail_on_failure=False``; a job still running returns
    normally. The task's extra link opens the job in the BlendVision One console.

    :param dubbing_job_id: the job's id (templated).
    :param blendvision_conn_id: the Airflow connection of type ``blendvision`` (templated).
    :param fail_on_failure: fail on ``DUBBING_STATUS_FAILED`` (default True).
    """

    template_fields: Sequence[str] = ("dubbing_job_id", "blendvision_conn_id")
    service_name = endpoints.SERVICE.name
    trigger_class = BlendVisionDubbingJobTrigger
    operator_extra_links = (BlendVisionDubbingJobLink(),)

    def __init__(
        self,
        *,
        dubbing_job_id: str,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dubbing_job_id = dubbing_job_id
        self.blendvision_conn_id = blendvision_conn_id

    @cached_property
    def hook(self) -> BlendVisionHook:
        """The hook of ``blendvision_conn_id``."""
        return BlendVisionHook(self.blendvision_conn_id)

    def check(self) -> Verdict:
        return self.hook.check_dubbing_job(self.dubbing_job_id)

    def publish(self, context: Any) -> None:
        _publish_console_url(context, self.hook, self.dubbing_job_id)


class BlendVisionCreateDubbingJobOperator(DubbingStartOperator):
    """Creates a BlendVision One dubbing job and, by default, waits until it succeeds.

    Returns (XCom) the job as the same dict :class:`.BlendVisionGetDubbingJobOperator`
    returns: the final job when it waited (``outputs[0].id`` is the dubbed file), the new
    job (``DUBBING_STATUS_CREATED``) with ``wait_for_completion=False``. The new job's id
    is also pushed at once under the XCom key ``dubbing_job_id``, and the task's extra
    link opens it in the BlendVision One console.

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

    The waiting parameters are those of :class:`.DubbingStartOperator`.
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
    trigger_class = BlendVisionDubbingJobTrigger
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_type = source_type
        self.source_id = source_id
        self.source_lang_code = source_lang_code
        self.target_lang_code = target_lang_code
        self.interval_sec = interval_sec
        self.blendvision_conn_id = blendvision_conn_id
        self.dubbing_job_id: str | None = None

    @cached_property
    def hook(self) -> BlendVisionHook:
        """The hook of ``blendvision_conn_id``."""
        return BlendVisionHook(self.blendvision_conn_id)

    def _arguments(self) -> dict[str, Any]:
        return {
            "source_type": self.source_type,
            "source_id": self.source_id,
            "source_lang_code": self.source_lang_code,
            "target_lang_code": self.target_lang_code,
            "interval_sec": self.interval_sec,
        }

    def validate_request(self) -> None:
        endpoints.create_dubbing_job(**self._arguments())

    def start(self) -> Verdict:
        job = self.hook.create_dubbing_job(**self._arguments())
        self.dubbing_job_id = job.id
        return judge_job(job)

    def check(self) -> Verdict:
        return self.hook.check_dubbing_job(str(self.dubbing_job_id))

    def publish(self, context: Any) -> None:
        super().publish(context)
        _publish_console_url(context, self.hook, self.dubbing_job_id)
