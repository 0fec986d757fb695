"""Apache Airflow provider for dubbing services: CAMB.AI and BlendVision One."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict[str, object]:
    """Return the provider metadata Airflow reads through the entry point."""
    from airflow_provider_dubbing.get_provider_info import get_provider_info as _get

    return _get()
