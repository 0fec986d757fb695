"""Provider metadata validates against the installed Airflow's own schema; hooks match it."""

from __future__ import annotations

import importlib
import json
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from packaging.utils import canonicalize_name

from airflow_provider_dubbing.get_provider_info import get_provider_info


def _schema(name: str) -> dict[str, object]:
    import airflow

    return json.loads((Path(airflow.__file__).parent / name).read_text())


def test_provider_info_validates_against_airflows_runtime_schema() -> None:
    jsonschema.validate(get_provider_info(), _schema("provider_info.schema.json"))


def test_package_name_is_the_canonical_distribution_name() -> None:
    assert get_provider_info()["package-name"] == canonicalize_name(
        metadata.metadata("airflow-provider-dubbing")["Name"]
    )


def test_entry_point_returns_the_same_dict() -> None:
    (entry_point,) = [
        ep
        for ep in metadata.entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_provider_dubbing")
    ]
    assert entry_point.load()() == get_provider_info()


@pytest.mark.parametrize("entry", get_provider_info()["connection-types"], ids=lambda e: e["connection-type"])
def test_each_connection_type_names_a_consistent_hook(entry: dict[str, object]) -> None:
    module_name, _, class_name = str(entry["hook-class-name"]).rpartition(".")
    hook = getattr(importlib.import_module(module_name), class_name)
    assert hook.conn_type == entry["connection-type"]
    assert hook.hook_name == entry["hook-name"]
    assert hook.default_conn_name == f"{entry['connection-type']}_default"
    assert hook.conn_name_attr == f"{entry['connection-type']}_conn_id"
    # The 2.x hook method and the 3.2+ declarative keys say the same thing.
    behaviour = hook.get_ui_field_behaviour()
    declared = entry["ui-field-behaviour"]
    assert isinstance(declared, dict)
    assert behaviour["hidden_fields"] == declared["hidden-fields"]
    assert behaviour["relabeling"] == declared["relabeling"]
    assert behaviour["placeholders"] == declared["placeholders"]


def test_callers_get_copies_they_may_change() -> None:
    from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook

    # Airflow 2's providers manager renames placeholder keys in the dict it is handed.
    BlendVisionHook.get_ui_field_behaviour()["placeholders"].clear()
    assert BlendVisionHook.get_ui_field_behaviour()["placeholders"]["org_id"]


def test_blendvision_declares_the_org_id_field() -> None:
    (entry,) = [e for e in get_provider_info()["connection-types"] if e["connection-type"] == "blendvision"]
    assert entry["conn-fields"]["org_id"]["label"] == "Organization ID"
    assert entry["ui-field-behaviour"]["placeholders"]["org_id"].startswith("the organization id")


# Flask-AppBuilder's own imports warn about Flask deprecations; not ours to fix.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_blendvision_form_widget_for_org_id_where_the_web_ui_is_installed() -> None:
    # Airflow 2.x ships the FAB web UI; plain 3.x does not, and then skips these hook methods.
    pytest.importorskip("flask_appbuilder")
    from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
    from airflow_provider_dubbing.hooks.camb import CambHook

    widgets = BlendVisionHook.get_connection_form_widgets()
    assert list(widgets) == ["org_id"]
    assert widgets["org_id"].kwargs["description"].startswith("Sent as the x-bv-org-id header")
    assert CambHook.get_connection_form_widgets() == {}


def test_declarative_fields_fit_the_dev_schema_where_airflow_has_it() -> None:
    schema = _schema("provider.yaml.schema.json")
    conn_types = schema["properties"]["connection-types"]  # type: ignore[index]
    jsonschema.validate(get_provider_info()["connection-types"], conn_types)
