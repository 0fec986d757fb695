"""Our two connection forms as a person sees them: the installed Airflow's real UI in headless Chromium.

The expectations come from ``connection_forms`` (what the provider declares); a few literals are
checked as well, so a wrong table in that module cannot make the test pass by agreeing with itself.
Each form is saved as ``test-output/browser/airflow-<version>-<conn type>.png``.

- Airflow 3.x: the React UI (Connections, "Add Connection", pick the type) renders the declarative
  ``ui-field-behaviour`` / ``conn-fields`` of the provider info. Its form has placeholders for the
  standard fields only: none for extra fields or the extra-JSON editor, so ``org_id``'s and
  ``extra``'s placeholders are not checked there.
- Airflow 2.x: Flask-AppBuilder's server-rendered form, which the page's script relabels, hides
  and fills with placeholders from the hooks' ``get_ui_field_behaviour`` and
  ``get_connection_form_widgets`` (``org_id`` is the field ``extra__blendvision__org_id``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing.get_provider_info import get_provider_info
from airflow_provider_dubbing.hooks.connection_forms import (
    BLENDVISION_CONN_TYPE,
    CAMB_CONN_TYPE,
    EXTRA_FIELDS,
    UI_FIELD_BEHAVIOUR,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Independent of connection_forms: what a user must see, spelled out once more.
LITERAL_LABELS = {
    CAMB_CONN_TYPE: {"host": "Base URL", "password": "API key"},
    BLENDVISION_CONN_TYPE: {"host": "Base URL", "password": "API token", "org_id": "Organization ID"},
}
LITERAL_HIDDEN = ("schema", "port", "login")
# The fields both Airflow lines put in every connection form unless a connection type hides them.
STANDARD_FIELDS = ("host", "schema", "login", "password", "port")
HOOK_NAMES = {c["connection-type"]: c["hook-name"] for c in get_provider_info()["connection-types"]}


def expected(conn_type: str) -> dict[str, Any]:
    behaviour = UI_FIELD_BEHAVIOUR[conn_type]
    labels = dict(behaviour["relabeling"])
    labels.update({name: spec["label"] for name, spec in EXTRA_FIELDS[conn_type].items()})
    for name, literal in LITERAL_LABELS[conn_type].items():
        assert labels[name] == literal, (conn_type, name)
    assert set(LITERAL_HIDDEN) <= set(behaviour["hidden_fields"])
    return {
        "labels": labels,
        "hidden": behaviour["hidden_fields"],
        "placeholders": behaviour["placeholders"],
        "extra_fields": EXTRA_FIELDS[conn_type],
    }


# --- Airflow 3.x: the React UI ------------------------------------------------------------------


def open_form_v3(page: Any, base_url: str, type_label: str) -> Any:
    page.goto(base_url + "/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("combobox").fill(type_label)
    page.get_by_role("option", name=type_label, exact=True).click()
    dialog.get_by_text("Standard Fields").wait_for()
    return dialog


def label_v3(field: Any) -> str:
    # The label of the field group the input sits in (an extra field's label ``for`` does not
    # name its input's id in 3.3, so ``label[for=...]`` would miss it).
    root = field.locator('xpath=ancestor::*[@data-part="root"][1]')
    return str(root.locator('label[data-part="label"]').inner_text()).strip()


def check_form_v3(page: Any, base_url: str, conn_type: str, shot: Path) -> None:
    want = expected(conn_type)
    dialog = open_form_v3(page, base_url, HOOK_NAMES[conn_type])
    for name in STANDARD_FIELDS:
        field = dialog.locator(f'[name="{name}"]')
        if name in want["hidden"]:
            assert field.count() == 0 or not field.is_visible(), f"{name} is shown"
            continue
        assert field.is_visible(), f"{name} is not shown"
        if name in want["labels"]:
            assert label_v3(field) == want["labels"][name]
        if name in want["placeholders"]:
            assert field.get_attribute("placeholder") == want["placeholders"][name]
    # Literal spot checks against the page itself.
    assert dialog.get_by_text(LITERAL_LABELS[conn_type]["password"], exact=True).is_visible()
    assert dialog.locator('[name="password"]').get_attribute("type") == "password"

    settle(page)
    page.screenshot(path=str(shot), full_page=True, animations="disabled")

    # The extra fields sit in their own accordion item; opening it closes the standard fields.
    extra_fields_button = dialog.get_by_role("button", name="Extra Fields", exact=True)
    if not want["extra_fields"]:
        assert extra_fields_button.count() == 0 or not extra_fields_button.is_visible()
        assert dialog.locator('[name^="element_"]').count() == 0
        return
    extra_fields_button.click()
    for name, spec in want["extra_fields"].items():
        field = dialog.locator(f'[name="element_{name}"]')
        field.wait_for(state="visible")
        assert label_v3(field) == spec["label"]
        assert dialog.get_by_text(spec["description"], exact=True).is_visible()
    assert dialog.get_by_text(LITERAL_LABELS[BLENDVISION_CONN_TYPE]["org_id"], exact=True).is_visible()
    settle(page)
    page.screenshot(path=str(extra_shot(shot)), full_page=True, animations="disabled")


def extra_shot(shot: Path) -> Path:
    return shot.with_name(f"{shot.stem}-extra-fields.png")


def settle(page: Any) -> None:
    """Wait until the accordions' open/close animations have finished, so the screenshot shows
    the form at rest rather than half-way through a transition."""
    page.wait_for_function(
        """() => document.getAnimations().every(a =>
             a.playState !== "running" || a.effect.getTiming().iterations === Infinity)"""
    )


# --- Airflow 2.x: Flask-AppBuilder's form -------------------------------------------------------


def open_form_v2(page: Any, base_url: str, conn_type: str) -> None:
    page.goto(base_url + "/connection/add")
    page.locator("select#conn_type").select_option(conn_type)


def label_v2(page: Any, field_id: str) -> str:
    return " ".join(str(page.locator(f'label[for="{field_id}"]').inner_text()).split())


def check_form_v2(page: Any, base_url: str, conn_type: str, shot: Path) -> None:
    want = expected(conn_type)
    open_form_v2(page, base_url, conn_type)
    # The page's script applies the behaviour on the type's change event; wait for its last step.
    page.locator("#host").wait_for(state="visible")
    page.wait_for_function(
        "([id, text]) => document.querySelector(`label[for=${id}]`).innerText.trim() === text",
        arg=["password", want["labels"]["password"]],
    )
    for name in STANDARD_FIELDS:
        field = page.locator(f"#{name}")
        if name in want["hidden"]:
            assert not field.is_visible(), f"{name} is shown"
            continue
        assert field.is_visible(), f"{name} is not shown"
        if name in want["labels"]:
            assert label_v2(page, name) == want["labels"][name]
    for name, placeholder in want["placeholders"].items():
        field_id = name if name in (*STANDARD_FIELDS, "extra") else f"extra__{conn_type}__{name}"
        # ``extra`` is a textarea that a code editor covers; its placeholder is set all the same.
        assert page.locator(f"#{field_id}").get_attribute("placeholder") == placeholder, name
    for name, spec in want["extra_fields"].items():
        field_id = f"extra__{conn_type}__{name}"
        assert page.locator(f"#{field_id}").is_visible()
        assert label_v2(page, field_id) == spec["label"]
        assert page.get_by_text(spec["description"], exact=True).is_visible()
    # Literal spot checks, and the other type's extra field must stay hidden.
    assert label_v2(page, "password") == LITERAL_LABELS[conn_type]["password"]
    org_id = page.locator(f"#extra__{BLENDVISION_CONN_TYPE}__org_id")
    assert org_id.is_visible() == (conn_type == BLENDVISION_CONN_TYPE)
    page.screenshot(path=str(shot), full_page=True)


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("conn_type", [CAMB_CONN_TYPE, BLENDVISION_CONN_TYPE])
def test_connection_form(page: Any, airflow_ui: Any, screenshot_dir: Path, conn_type: str) -> None:
    shot = screenshot_dir / f"airflow-{airflow_ui.version}-{conn_type}.png"
    shot.unlink(missing_ok=True)
    extra_shot(shot).unlink(missing_ok=True)
    if airflow_ui.major >= 3:
        check_form_v3(page, airflow_ui.base_url, conn_type, shot)
    else:
        check_form_v2(page, airflow_ui.base_url, conn_type, shot)
    assert shot.stat().st_size > 10_000
    if airflow_ui.major >= 3 and EXTRA_FIELDS[conn_type]:
        assert extra_shot(shot).stat().st_size > 10_000


def test_selectors_see_fields_that_other_types_show(page: Any, airflow_ui: Any) -> None:
    """A control: the checks above find login, port and schema when a type does show them,
    so "hidden" really means hidden and not a selector that never matches."""
    if airflow_ui.major >= 3:
        dialog = open_form_v3(page, airflow_ui.base_url, "Generic")
        for name in LITERAL_HIDDEN:
            assert dialog.locator(f'[name="{name}"]').is_visible(), name
    else:
        open_form_v2(page, airflow_ui.base_url, "generic")
        page.locator("#login").wait_for(state="visible")
        for name in LITERAL_HIDDEN:
            assert page.locator(f"#{name}").is_visible(), name
        assert not page.locator(f"#extra__{BLENDVISION_CONN_TYPE}__org_id").is_visible()
