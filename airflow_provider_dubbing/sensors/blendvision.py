"""The sensor that waits on a BlendVision One dubbing job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_dubbing.blendvision.endpoints import SERVICE
from airflow_provider_dubbing.hooks.base import StatusCheck
from airflow_provider_dubbing.hooks.blendvision import BlendVisionConnected, BlendVisionHook
from airflow_provider_dubbing.sensors.base import DubbingSensor
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger


class BlendVisionDubbingJobSensor(BlendVisionConnected, DubbingSensor):
    """Waits until a BlendVision One dubbing job succeeds; returns the job as a dict.

    The return value (XCom) is the API's ``dubbing_job`` object (``id``, ``status``,
    ``outputs`` with the dubbed file ids, ``interval_sec`` with decimal strings,
    ``created_at`` as an ISO 8601 string...), the same in poke, reschedule and deferrable
    mode. ``DUBBING_STATUS_FAILED`` fails the task without retries
    (:class:`.DubbingJobFailed`, naming every ``error_infos`` reason, domain and
    metadata); ``soft_fail=True`` skips instead.

    :param dubbing_job_id: the dubbing job's id (templated).
    :param blendvision_conn_id: the Airflow connection of type ``blendvision`` (templated).

    The other parameters are those of :class:`.DubbingSensor` and Airflow's sensors.
    """

    template_fields: Sequence[str] = ("dubbing_job_id", "blendvision_conn_id")
    service_name = SERVICE.name
    noun = BlendVisionDubbingJobTrigger.noun

    def __init__(
        self,
        *,
        dubbing_job_id: str,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        self.dubbing_job_id = dubbing_job_id
        self.blendvision_conn_id = blendvision_conn_id
        super().__init__(**kwargs)

    @property
    def object_id(self) -> str:
        return str(self.dubbing_job_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.dubbing_job_check(self.dubbing_job_id)

    def console_url(self, object_id: str) -> str:
        return self.hook.dubbing_job_console_url(object_id)

    def make_trigger(self, **wait: Any) -> BlendVisionDubbingJobTrigger:
        return BlendVisionDubbingJobTrigger(
            dubbing_job_id=self.dubbing_job_id, blendvision_conn_id=self.blendvision_conn_id, **wait
        )
