"""The import layers of STYLE.md, checked on the source: who may import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "airflow_provider_dubbing"
NAME = "airflow_provider_dubbing"

# layer -> prefixes it must never import
FORBIDDEN = {
    "client": ("airflow", f"{NAME}.camb", f"{NAME}.blendvision", f"{NAME}.hooks", f"{NAME}.emulator"),
    "camb": ("airflow", "httpx", f"{NAME}.blendvision", f"{NAME}.hooks", f"{NAME}.emulator"),
    "blendvision": ("airflow", "httpx", f"{NAME}.camb", f"{NAME}.hooks", f"{NAME}.emulator"),
    # The fake may share the API folders' pure parsers, never the client or the Airflow layer.
    "emulator": ("airflow", "httpx", f"{NAME}.client", f"{NAME}.hooks"),
    "hooks": (f"{NAME}.emulator",),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_stay_inside_their_bounds(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    breaches = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files
        for name in sorted(imports_of(path))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert breaches == []


def test_the_check_sees_a_breach() -> None:
    assert "airflow.sdk" in imports_of(PACKAGE / "_compat.py")
