"""The button that opens a BlendVision One dubbing job in the BlendVision console."""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing._compat import BaseOperatorLink, XCom

CONSOLE_URL_XCOM_KEY = "blendvision_console_url"
"""The XCom an operator pushes the job's console page under, once it knows the job."""


class BlendVisionDubbingJobLink(BaseOperatorLink):  # type: ignore[misc,unused-ignore]  # Any to mypy on Airflow 2
    """Opens the task's dubbing job in the BlendVision One console.

    The URL comes from the task's own XCom: Airflow 2's webserver builds links from the
    serialized DAG, without the operator's connection, and Airflow 3 asks on the worker
    when the task ends. Empty (no button) until the task knows its job.
    """

    name = "BlendVision One dubbing job"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The console page of the job the task instance worked on, or ``""``."""
        url = XCom.get_value(ti_key=ti_key, key=CONSOLE_URL_XCOM_KEY)
        return url if isinstance(url, str) else ""
