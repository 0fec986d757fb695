"""The triggers that wait on CAMB.AI tasks in the triggerer: a dub, and an alt-format export."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.client.outcome import Verdict
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger


class CambDubbingTrigger(DubbingWaitTrigger):
    """Polls ``GET dub/{task_id}`` until the dub is final; yields one event.

    :param dubbing_task_id: the dub's task id (``POST dub`` answered it).
    :param camb_conn_id: the Airflow connection of type ``camb``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "dub"
    object_kwarg_names = ("dubbing_task_id", "camb_conn_id")

    def __init__(
        self, dubbing_task_id: str, camb_conn_id: str = CambHook.default_conn_name, **wait: Any
    ) -> None:
        super().__init__(**wait)
        self.dubbing_task_id = dubbing_task_id
        self.camb_conn_id = camb_conn_id
        self._hook: CambHook | None = None

    async def acheck(self) -> Verdict:
        if self._hook is None:
            self._hook = CambHook(self.camb_conn_id, retry=self._retry)
        return await self._hook.acheck_dubbing(self.dubbing_task_id)


class CambAltFormatTrigger(DubbingWaitTrigger):
    """Polls ``GET dub-alt-format/{task_id}`` until the export is final; yields one event.

    :param alt_format_task_id: the export task's id.
    :param run_id: optionally, the dubbing run the export belongs to.
    :param camb_conn_id: the Airflow connection of type ``camb``; read inside :meth:`run`.

    The remaining keyword arguments are those of :class:`.DubbingWaitTrigger`.
    """

    noun = "export"
    object_kwarg_names = ("alt_format_task_id", "run_id", "camb_conn_id")

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
        self._hook: CambHook | None = None

    async def acheck(self) -> Verdict:
        if self._hook is None:
            self._hook = CambHook(self.camb_conn_id, retry=self._retry)
        return await self._hook.acheck_export(self.alt_format_task_id, self.run_id)
