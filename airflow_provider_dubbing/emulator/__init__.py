"""A local fake of the CAMB.AI and BlendVision One APIs, for tests, demos and benchmarks.

Needs only the standard library and aiohttp (the ``emulator`` extra); see ``server.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_dubbing.emulator.server import EmulatorServer
    from airflow_provider_dubbing.emulator.settings import EmulatorSettings

__all__ = ["EmulatorServer", "EmulatorSettings"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the settings alone does not need aiohttp.
    if name == "EmulatorServer":
        from airflow_provider_dubbing.emulator.server import EmulatorServer

        return EmulatorServer
    if name == "EmulatorSettings":
        from airflow_provider_dubbing.emulator.settings import EmulatorSettings

        return EmulatorSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
