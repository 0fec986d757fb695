"""The sensors that wait on CAMB.AI tasks: a dub, and an alt-format export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_dubbing.camb.endpoints import SERVICE
from airflow_provider_dubbing.hooks.base import StatusCheck
from airflow_provider_dubbing.hooks.camb import CambConnected, CambHook
from airflow_provider_dubbing.sensors.base import DubbingSensor
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger, CambDubbingTrigger


class CambDubbingSensor(CambConnected, DubbingSensor):
    """Waits until a CAMB.AI dub is done; returns its status as a dict.

    The return value (XCom) is ``{"task_id", "status", "run_id", "exception_reason",
    "message"}``, the same in poke, reschedule and deferrable mode; on ``SUCCESS`` its
    ``run_id`` is what :class:`.CambGetDubbingResultOperator` and the exports need.
    ``ERROR``, ``TIMEOUT`` and ``PAYMENT_REQUIRED`` fail the task without retries
    (:class:`.DubbingJobFailed`, :class:`.DubbingRemoteTimeout`,
    :class:`.DubbingPaymentRequired`); ``soft_fail=True`` skips instead.

    :param dubbing_task_id: the dub's task id (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).

    The other parameters are those of :class:`.DubbingSensor` and Airflow's sensors.
    """

    template_fields: Sequence[str] = ("dubbing_task_id", "camb_conn_id")
    service_name = SERVICE.name
    noun = CambDubbingTrigger.noun

    def __init__(
        self,
        *,
        dubbing_task_id: str,
        camb_conn_id: str = CambHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        self.dubbing_task_id = dubbing_task_id
        self.camb_conn_id = camb_conn_id
        super().__init__(**kwargs)

    @property
    def object_id(self) -> str:
        return str(self.dubbing_task_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.dubbing_check(self.dubbing_task_id)

    def make_trigger(self, **wait: Any) -> CambDubbingTrigger:
        return CambDubbingTrigger(
            dubbing_task_id=self.dubbing_task_id, camb_conn_id=self.camb_conn_id, **wait
        )


class CambAltFormatSensor(CambConnected, DubbingSensor):
    """Waits until a CAMB.AI alt-format export is done; returns its status as a dict.

    The return value (XCom) is ``{"task_id", "status", "run_id", "exception_reason",
    "message", "output_url"}``, the same in poke, reschedule and deferrable mode.
    ``output_url`` is None: CAMB.AI's status answer documents no file location (an export
    whose file was ready at once never had a task id to wait on). ``ERROR``,
    ``TIMEOUT`` and ``PAYMENT_REQUIRED`` fail the task without retries
    (:class:`.DubbingJobFailed`, :class:`.DubbingRemoteTimeout`,
    :class:`.DubbingPaymentRequired`); ``soft_fail=True`` skips instead.

    :param alt_format_task_id: the export task's id (templated).
    :param run_id: optionally, the dubbing run the export belongs to (templated).
    :param camb_conn_id: the Airflow connection of type ``camb`` (templated).

    The other parameters are those of :class:`.DubbingSensor` and Airflow's sensors.
    """

    template_fields: Sequence[str] = ("alt_format_task_id", "run_id", "camb_conn_id")
    service_name = SERVICE.name
    noun = CambAltFormatTrigger.noun

    def __init__(
        self,
        *,
        alt_format_task_id: str,
        run_id: int | str | None = None,
        camb_conn_id: str = CambHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        self.alt_format_task_id = alt_format_task_id
        self.run_id = run_id
        self.camb_conn_id = camb_conn_id
        super().__init__(**kwargs)

    @property
    def object_id(self) -> str:
        return str(self.alt_format_task_id)

    def status_check(self) -> StatusCheck[Any]:
        return self.hook.export_check(self.alt_format_task_id, self.run_id)

    def make_trigger(self, **wait: Any) -> CambAltFormatTrigger:
        return CambAltFormatTrigger(
            alt_format_task_id=self.alt_format_task_id,
            run_id=self.run_id,
            camb_conn_id=self.camb_conn_id,
            **wait,
        )
