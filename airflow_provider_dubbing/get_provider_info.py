"""Provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

Hand-written (official providers generate it from provider.yaml); a unit test validates
it against the schema shipped inside the installed Airflow, because a bad dict breaks
provider discovery for every provider, not only ours.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing import __version__
from airflow_provider_dubbing.hooks.connection_forms import (
    BLENDVISION_CONN_TYPE,
    CAMB_CONN_TYPE,
    declarative_ui,
)
from airflow_provider_dubbing.outputs.uris import SCHEMES

CAMB = "CAMB.AI"
BLENDVISION = "BlendVision One"
_ASSET_URIS = {
    "schemes": list(SCHEMES),
    "handler": "airflow_provider_dubbing.outputs.uris.normalize_uri",
    # The OpenLineage dataset of such an asset (tasks/lineage.py), the one the operators'
    # lineage names; imported by Airflow at discovery, it imports OpenLineage only when called.
    "to_openlineage_converter": "airflow_provider_dubbing.tasks.lineage.convert_asset_to_openlineage",
}


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata: integrations, hooks, operators, sensors, triggers, links, connections."""
    return {
        "package-name": "airflow-provider-dubbing",
        "name": "Dubbing (CAMB.AI, BlendVision One)",
        "description": (
            "Hooks, operators, deferrable sensors and triggers for dubbing services: "
            "CAMB.AI dubs and alt-format exports, and BlendVision One dubbing jobs and download links."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": CAMB,
                "external-doc-url": "https://docs.camb.ai/",
                "tags": ["service"],
            },
            {
                "integration-name": BLENDVISION,
                "external-doc-url": "https://developers.blendvision.com/",
                "tags": ["service"],
            },
        ],
        "hooks": [
            {"integration-name": CAMB, "python-modules": ["airflow_provider_dubbing.hooks.camb"]},
            {
                "integration-name": BLENDVISION,
                "python-modules": ["airflow_provider_dubbing.hooks.blendvision"],
            },
        ],
        "operators": [
            {"integration-name": CAMB, "python-modules": ["airflow_provider_dubbing.operators.camb"]},
            {
                "integration-name": BLENDVISION,
                "python-modules": ["airflow_provider_dubbing.operators.blendvision"],
            },
        ],
        "sensors": [
            {"integration-name": CAMB, "python-modules": ["airflow_provider_dubbing.sensors.camb"]},
            {
                "integration-name": BLENDVISION,
                "python-modules": ["airflow_provider_dubbing.sensors.blendvision"],
            },
        ],
        "triggers": [
            {"integration-name": CAMB, "python-modules": ["airflow_provider_dubbing.triggers.camb"]},
            {
                "integration-name": BLENDVISION,
                "python-modules": ["airflow_provider_dubbing.triggers.blendvision"],
            },
        ],
        # The dubbed files' asset URIs (outputs/uris.py): Airflow 3 reads "asset-uris", 2.x
        # "dataset-uris"; each ignores the other's key.
        "asset-uris": [_ASSET_URIS],
        "dataset-uris": [_ASSET_URIS],
        "extra-links": ["airflow_provider_dubbing.links.blendvision.BlendVisionDubbingJobLink"],
        "connection-types": [
            {
                "connection-type": CAMB_CONN_TYPE,
                "hook-class-name": "airflow_provider_dubbing.hooks.camb.CambHook",
                "hook-name": CAMB,
                **declarative_ui(CAMB_CONN_TYPE),
            },
            {
                "connection-type": BLENDVISION_CONN_TYPE,
                "hook-class-name": "airflow_provider_dubbing.hooks.blendvision.BlendVisionHook",
                "hook-name": BLENDVISION,
                **declarative_ui(BLENDVISION_CONN_TYPE),
            },
        ],
    }
