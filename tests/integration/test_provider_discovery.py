"""Airflow itself discovers the provider: its CLI lists the package and both connection types."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from airflow_provider_dubbing import __version__

pytestmark = pytest.mark.airflow


def airflow_cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_providers_list_shows_the_package() -> None:
    rows = [
        line
        for line in airflow_cli("providers", "list", "-o", "plain").splitlines()
        if "airflow-provider-dubbing" in line
    ]
    assert len(rows) == 1
    assert __version__ in rows[0]


def test_providers_hooks_shows_both_connection_types() -> None:
    output = airflow_cli("providers", "hooks", "-o", "plain")
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    assert "airflow_provider_dubbing.hooks.camb.CambHook" in lines["camb"]
    assert "camb_conn_id" in lines["camb"]
    assert "airflow_provider_dubbing.hooks.blendvision.BlendVisionHook" in lines["blendvision"]
    assert "blendvision_conn_id" in lines["blendvision"]


def test_providers_triggers_lists_both_triggers() -> None:
    output = airflow_cli("providers", "triggers", "-o", "plain")
    assert "airflow_provider_dubbing.triggers.camb" in output
    assert "airflow_provider_dubbing.triggers.blendvision" in output


def test_providers_links_lists_the_console_link() -> None:
    output = airflow_cli("providers", "links", "-o", "plain")
    assert "airflow_provider_dubbing.links.blendvision.BlendVisionDubbingJobLink" in output


# Flask-AppBuilder's imports (Airflow 2.x builds the widgets with them) warn about Flask.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_providers_manager_sees_both_connection_forms() -> None:
    # What the connection form is built from: on Airflow 2.x to 3.1 from the hooks' own
    # methods, on 3.2+ from the declarative provider-info keys.
    import importlib.util

    from airflow import __version__ as airflow_version
    from airflow.providers_manager import ProvidersManager
    from packaging.version import Version

    if Version(airflow_version) < Version("3.2") and importlib.util.find_spec("flask_appbuilder") is None:
        pytest.skip(
            "Airflow < 3.2 reads connection forms only through flask_appbuilder/wtforms (the FAB "
            "provider), which this environment lacks; the forms are then missing for every provider"
        )

    manager = ProvidersManager()
    behaviours = manager.field_behaviours
    for conn_type, secret_label in (("camb", "API key"), ("blendvision", "API token")):
        assert behaviours[conn_type]["hidden_fields"] == ["schema", "port", "login"]
        assert behaviours[conn_type]["relabeling"] == {"host": "Base URL", "password": secret_label}
        assert behaviours[conn_type]["placeholders"]["host"].startswith("https://")
    widgets = manager.connection_form_widgets
    assert [name for name in widgets if "camb" in name or "blendvision" in name] == [
        "extra__blendvision__org_id"
    ]


def test_airflow_checks_our_asset_uris_with_our_handler() -> None:
    # Run apart: Airflow caches its providers' URI handlers per process.
    script = """
import warnings

from airflow_provider_dubbing._compat import Asset
from airflow_provider_dubbing.outputs.uris import normalize_uri
try:  # Airflow 3.2+: where a task's runtime reads them
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime as Manager
except ImportError:
    from airflow.providers_manager import ProvidersManager as Manager

manager = Manager()
handlers = getattr(manager, "asset_uri_handlers", None)
if handlers is None:  # Airflow 2
    handlers = manager.dataset_uri_handlers
assert handlers["camb"] is normalize_uri, handlers.get("camb")
assert handlers["blendvision"] is normalize_uri, handlers.get("blendvision")
assert Asset("camb://runs/1/ja/video").uri == "camb://runs/1/ja/video"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        Asset("camb://runs/1/ja/subtitles")
    except ValueError as exc:  # Airflow 3 refuses it
        print("refused:", exc)
    else:  # Airflow 2 warns, with the handler's words, that Airflow 3 will refuse it
        print("warned:", [str(w.message) for w in caught])
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "video|audio" in result.stdout
    from airflow_provider_dubbing._compat import AIRFLOW_V_3_0_PLUS

    assert result.stdout.startswith("refused:" if AIRFLOW_V_3_0_PLUS else "warned:"), result.stdout
