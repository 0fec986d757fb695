"""The trigger that waits on a BlendVision One dubbing job in the triggerer."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.client.outcome import Verdict
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger


class BlendVisionDubbingJobTrigger(DubbingWaitTrigger):
    """Polls ``GET /bv/cms/v1/dubbing-jobs/{id}`` until the job is final; yields one event.

    :param dubbing_job_id: the dubbing job's id.
    :param blendvision_conn_id: the Airflow connection of type ``blendvision``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "dubbing job"
    object_kwarg_names = ("dubbing_job_id", "blendvision_conn_id")

    def __init__(
        self,
        dubbing_job_id: str,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        **wait: Any,
    ) -> None:
        super().__init__(**wait)
        self.dubbing_job_id = dubbing_job_id
        self.blendvision_conn_id = blendvision_conn_id
        self._hook: BlendVisionHook | None = None

    async def acheck(self) -> Verdict:
        if self._hook is None:
            self._hook = BlendVisionHook(self.blendvision_conn_id, retry=self._retry)
        return await self._hook.acheck_dubbing_job(self.dubbing_job_id)
