"""Airflow symbols imported from where each Airflow line keeps them (2.10 to 3.3).

One ``try`` per group, newest location first, because ``airflow.sdk`` gained them in
steps (operators in 3.0, ``BaseHook`` in 3.1, exceptions in 3.2). We do not depend on
``apache-airflow-providers-common-compat``: the versions managed services pin lack these.
"""

from __future__ import annotations

from datetime import timedelta

from airflow import __version__ as _airflow_version
from packaging.version import Version

_AIRFLOW_VERSION = Version(Version(_airflow_version).base_version)
AIRFLOW_V_3_0_PLUS = Version("3.0.0") <= _AIRFLOW_VERSION
"""From 3.0 a ``map_index_template`` renders without warnings: Airflow 2 renders it with the
whole context, and warns once per deprecated key it holds ('conf', 'execution_date'...)."""
AIRFLOW_V_3_1_PLUS = Version("3.1.0") <= _AIRFLOW_VERSION
"""From 3.1 a templated id is safe with ``start_from_trigger``: 3.1/3.2 ignore the flag, 3.3 renders."""

try:
    from airflow.sdk.exceptions import AirflowTaskTimeout
except ImportError:  # Airflow 2.x, 3.0 and 3.1
    from airflow.exceptions import AirflowTaskTimeout  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 2.x and 3.0
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk.log import mask_secret
except ImportError:
    try:
        from airflow.sdk.execution_time.secrets_masker import mask_secret  # type: ignore[no-redef,unused-ignore]
    except ImportError:  # Airflow 2.x
        from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef,unused-ignore]

try:
    from airflow.sdk import BaseOperator, BaseOperatorLink, BaseSensorOperator, PokeReturnValue, Variable
except ImportError:  # Airflow 2.x
    from airflow.models import BaseOperator, Variable  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.models.baseoperatorlink import (  # type: ignore[no-redef,attr-defined,unused-ignore]
        BaseOperatorLink,
    )
    from airflow.sensors.base import (  # type: ignore[no-redef,attr-defined,unused-ignore]
        BaseSensorOperator,
        PokeReturnValue,
    )

try:
    from airflow.sdk import Asset, AssetAlias
except ImportError:  # Airflow 2.x: the same classes, named datasets (aliases since 2.10)
    from airflow.datasets import Dataset as Asset  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.datasets import DatasetAlias as AssetAlias  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk.execution_time.xcom import XCom
except ImportError:  # Airflow 2.x
    from airflow.models.xcom import XCom  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
except ImportError:  # Airflow 2.x, 3.0 and 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )

try:
    # Not from ``airflow.sdk``: it exports the name, but its type stub (``__init__.pyi``) lacks it.
    from airflow.sdk.execution_time.context import NEVER_EXPIRE
except ImportError:  # before 3.3, which has no task state store to pass it to; the same value
    NEVER_EXPIRE = timedelta.max

try:
    from airflow.sdk import conf
except ImportError:  # Airflow 2.x and 3.0
    from airflow.configuration import conf  # type: ignore[no-redef,attr-defined,assignment,unused-ignore]

# Unchanged from 2.10 through 3.3.
from airflow.triggers.base import BaseTrigger, StartTriggerArgs, TriggerEvent  # noqa: E402

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AIRFLOW_V_3_1_PLUS",
    "NEVER_EXPIRE",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "Asset",
    "AssetAlias",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "BaseTrigger",
    "PokeReturnValue",
    "StartTriggerArgs",
    "TriggerEvent",
    "Variable",
    "XCom",
    "conf",
    "mask_secret",
]
