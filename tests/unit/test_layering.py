"""The import layers of STYLE.md, checked on the source: who may import whom.

A plain AST walk rather than import-linter: no extra dependency in the pinned environments,
and it runs inside the suite on every Airflow line. Three checks per layer (a top folder
of the package): imports it must not write itself, third-party imports it may write (where
STYLE names them), and what it must not reach through the package's own modules
(transitively, lazy imports inside functions included). Relative imports are resolved.
A layer whose folder does not exist yet (the Airflow layer grows) is skipped, not passed.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "airflow_provider_dubbing"
NAME = "airflow_provider_dubbing"

AIRFLOW_LAYER = ("hooks", "triggers", "tasks", "sensors", "operators", "links")
LAYERS = ("client", "waiting", "outputs", "camb", "blendvision", *AIRFLOW_LAYER, "emulator")
# The package root holds the provider's public face only (and the private compat shim
# every Airflow-facing layer imports); everything else lives in a layer above.
ROOT_MODULES = {"__init__.py", "_compat.py", "exceptions.py", "get_provider_info.py"}


def own(*folders: str) -> tuple[str, ...]:
    return tuple(f"{NAME}.{folder}" for folder in folders)


# layer -> import prefixes its own files must never write
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # HTTP only: no wait logic, no API folder, no Airflow.
    "client": ("airflow", *own("waiting", "camb", "blendvision", *AIRFLOW_LAYER, "emulator", "_compat")),
    # The wait engine is pure: no Airflow, no HTTP library, no service.
    "waiting": ("airflow", "httpx", *own("camb", "blendvision", *AIRFLOW_LAYER, "emulator", "_compat")),
    # What a finished task made, named and described: pure, for the services and the tasks alike.
    "outputs": (
        "airflow",
        "httpx",
        *own("waiting", "camb", "blendvision", *AIRFLOW_LAYER, "emulator", "_compat"),
    ),
    "camb": ("airflow", "httpx", *own("blendvision", *AIRFLOW_LAYER, "emulator", "_compat")),
    "blendvision": ("airflow", "httpx", *own("camb", *AIRFLOW_LAYER, "emulator", "_compat")),
    "hooks": own("triggers", "sensors", "operators", "links", "emulator"),
    # Triggers use hooks and models; the HTTP stays inside the client behind the hooks.
    "triggers": ("httpx", *own("tasks", "sensors", "operators", "links", "emulator")),
    "tasks": ("httpx", *own("sensors", "operators", "links", "emulator")),
    "sensors": ("httpx", *own("operators", "emulator")),
    "operators": ("httpx", *own("sensors", "emulator")),
    "links": ("httpx", *own("triggers", "sensors", "operators", "emulator")),
    # The fake may share the API folders' pure parsers, never the client or the Airflow layer.
    "emulator": ("airflow", "httpx", *own("client", *AIRFLOW_LAYER, "_compat")),
}

# layer -> the only third-party top-level names its files may import (stdlib is always fine)
THIRD_PARTY: dict[str, set[str]] = {
    "camb": {"pydantic", "pydantic_core"},
    "blendvision": {"pydantic", "pydantic_core"},
}

# layer -> prefixes that must not be reachable through the package's own modules
UNREACHABLE: dict[str, tuple[str, ...]] = {
    "client": ("airflow",),
    "waiting": ("airflow", "httpx"),
    "outputs": ("airflow",),
    "camb": ("airflow",),
    "blendvision": ("airflow",),
    "emulator": ("airflow", *own(*AIRFLOW_LAYER)),
}


def module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every module name ``path`` imports, relative imports made absolute; for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    module = module_of(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def matches(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in prefixes)


class Graph:
    """The package's modules and what each imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = {module_of(p, root): p for p in sorted(root.rglob("*.py"))}
        self.imports = {m: imports_of(p, root) for m, p in self.files.items()}

    def layer_files(self, layer: str) -> dict[str, Path]:
        prefix = f"{self.root.name}.{layer}"
        return {m: p for m, p in self.files.items() if m == prefix or m.startswith(prefix + ".")}

    def reach(self, start: str) -> dict[str, list[str]]:
        """Every name reachable from ``start``, with the chain of our modules that leads there."""
        chains: dict[str, list[str]] = {}
        todo = [(start, [start])]
        seen = {start}
        while todo:
            module, chain = todo.pop()
            for name in sorted(self.imports[module]):
                chains.setdefault(name, chain)
                if name in self.files and name not in seen:
                    seen.add(name)
                    todo.append((name, [*chain, name]))
        return chains


def breaches(graph: Graph, layer: str) -> list[str]:
    found: list[str] = []
    pkg = graph.root.name
    for module, path in graph.layer_files(layer).items():
        where = path.relative_to(graph.root)
        for name in sorted(graph.imports[module]):
            if matches(name, FORBIDDEN.get(layer, ())):
                found.append(f"{where} imports {name}")
            top = name.split(".")[0]
            allowed = THIRD_PARTY.get(layer)
            third_party = top not in (pkg, "__future__") and top not in sys.stdlib_module_names
            if allowed is not None and third_party and top not in allowed:
                found.append(f"{where} imports third-party {name} (allowed: {sorted(allowed)})")
        for name, chain in sorted(graph.reach(module).items()):
            if len(chain) > 1 and matches(name, UNREACHABLE.get(layer, ())):
                found.append(f"{where} reaches {name} through {' -> '.join(chain)}")
    return sorted(set(found))


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_stay_inside_their_bounds(layer: str) -> None:
    graph = Graph(PACKAGE)
    if not graph.layer_files(layer):
        pytest.skip(f"no {layer}/ folder in the package yet")
    assert breaches(graph, layer) == []


def test_the_root_holds_only_the_public_face() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} == ROOT_MODULES


def test_the_check_sees_direct_relative_third_party_and_transitive_breaches(tmp_path: Path) -> None:
    root = tmp_path / NAME
    files = {
        "__init__.py": "",
        "_compat.py": "from airflow.sdk import BaseHook\n",
        "client/__init__.py": "",
        "client/call.py": "def f():\n    from .. import _compat\n",
        "camb/__init__.py": "",
        "camb/models.py": "import requests\nfrom pydantic import BaseModel\nfrom ..client import call\n",
        "sensors/__init__.py": "",
        "sensors/camb.py": "import httpx\n",
        "emulator/__init__.py": "",
        "emulator/app.py": f"from {NAME}.camb import models\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    graph = Graph(root)
    assert breaches(graph, "client") == [
        f"client/call.py imports {NAME}._compat",
        f"client/call.py reaches airflow.sdk through {NAME}.client.call -> {NAME}._compat",
        f"client/call.py reaches airflow.sdk.BaseHook through {NAME}.client.call -> {NAME}._compat",
    ]
    assert "camb/models.py imports third-party requests (allowed: ['pydantic', 'pydantic_core'])" in (
        breaches(graph, "camb")
    )
    assert breaches(graph, "sensors") == ["sensors/camb.py imports httpx"]
    assert any(
        line.startswith("emulator/app.py reaches airflow.sdk through") for line in breaches(graph, "emulator")
    )
