"""The trigger that waits on a BlendVision One dubbing job in the triggerer."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing._compat import AirflowException
from airflow_provider_dubbing.client.errors import DubbingError
from airflow_provider_dubbing.hooks.base import StatusCheck
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger


class BlendVisionDubbingJobTrigger(DubbingWaitTrigger[BlendVisionHook]):
    """Polls ``GET /bv/cms/v1/dubbing-jobs/{id}`` until the job is final; yields one event.

    :param dubbing_job_id: the dubbing job's id.
    :param blendvision_conn_id: the Airflow connection of type ``blendvision``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "dubbing job"

    def __init__(
        self,
        dubbing_job_id: str,
        blendvision_conn_id: str = BlendVisionHook.default_conn_name,
        **wait: Any,
    ) -> None:
        super().__init__(**wait)
        self.dubbing_job_id = dubbing_job_id
        self.blendvision_conn_id = blendvision_conn_id

    @property
    def object_id(self) -> str:
        return str(self.dubbing_job_id)

    @property
    def conn_id(self) -> str:
        return self.blendvision_conn_id

    def object_kwargs(self) -> dict[str, Any]:
        return {"dubbing_job_id": self.dubbing_job_id, "blendvision_conn_id": self.blendvision_conn_id}

    def make_hook(self) -> BlendVisionHook:
        return BlendVisionHook(self.blendvision_conn_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.dubbing_job_check(self.dubbing_job_id)

    async def aconsole_url(self) -> str | None:
        try:
            # Reads the connection without blocking the triggerer's loop; the hook keeps its
            # fields, so building the URL reads nothing more.
            await self.hook.aget_client_config()
            return self.hook.dubbing_job_console_url(self.dubbing_job_id)
        except (DubbingError, AirflowException):  # a secrets backend's own failure too
            return None
