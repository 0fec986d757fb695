"""Airflow symbols imported from where each Airflow line keeps them (2.10 to 3.3).

One ``try`` per group, newest location first, because ``airflow.sdk`` gained them in
steps (operators in 3.0, ``BaseHook`` in 3.1, exceptions in 3.2). We do not depend on
``apache-airflow-providers-common-compat``: the versions managed services pin lack these.
"""

from __future__ import annotations

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

__all__ = ["BaseHook", "mask_secret"]
