"""The triggers that wait on CAMB.AI tasks in the triggerer: a dub, and an alt-format export."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.hooks.base import StatusCheck
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger


class CambDubbingTrigger(DubbingWaitTrigger[CambHook]):
    """Polls ``GET dub/{task_id}`` until the dub is final; yields one event.

    :param dubbing_task_id: the dub's task id (``POST dub`` answered it).
    :param camb_conn_id: the Airflow connection of type ``camb``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "dub"

    def __init__(
        self, dubbing_task_id: str, camb_conn_id: str = CambHook.default_conn_name, **wait: Any
    ) -> None:
        super().__init__(**wait)
        self.dubbing_task_id = dubbing_task_id
        self.camb_conn_id = camb_conn_id

    @property
    def object_id(self) -> str:
        return str(self.dubbing_task_id)

    @property
    def conn_id(self) -> str:
        return self.camb_conn_id

    def object_kwargs(self) -> dict[str, Any]:
        return {"dubbing_task_id": self.dubbing_task_id, "camb_conn_id": self.camb_conn_id}

    def make_hook(self) -> CambHook:
        return CambHook(self.camb_conn_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.dubbing_check(self.dubbing_task_id)


class CambAltFormatTrigger(DubbingWaitTrigger[CambHook]):
    """Polls ``GET dub-alt-format/{task_id}`` until the export is final; yields one event.

    :param alt_format_task_id: the export task's id.
    :param run_id: optionally, the dubbing run the export belongs to.
    :param camb_conn_id: the Airflow connection of type ``camb``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "export"

    def __init__(
        self,
        alt_format_task_id: str,
        run_id: int | str | None = None,
        camb_conn_id: str = CambHook.default_conn_name,
        **wait: Any,
    ) -> None:
        super().__init__(**wait)
        self.alt_format_task_id = alt_format_task_id
        self.run_id = run_id
        self.camb_conn_id = camb_conn_id

    @property
    def object_id(self) -> str:
        return str(self.alt_format_task_id)

    @property
    def conn_id(self) -> str:
        return self.camb_conn_id

    def object_kwargs(self) -> dict[str, Any]:
        return {
            "alt_format_task_id": self.alt_format_task_id,
            "run_id": self.run_id,
            "camb_conn_id": self.camb_conn_id,
        }

    def make_hook(self) -> CambHook:
        return CambHook(self.camb_conn_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.export_check(self.alt_format_task_id, self.run_id)
