"""The user guide's code runs: every Python block of each ``docs/*.md`` page, in order, in a fresh
interpreter, and the CLI connection setup against a copy of the test metadata DB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_metadata_db, needs_dag_test

pytestmark = pytest.mark.airflow

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(page: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(page.read_text()) if lang == language]


def test_the_guide_has_its_pages() -> None:
    names = {page.name for page in PAGES}
    assert {
        "install.md",
        "connections.md",
        "sensors.md",
        "operators.md",
        "testing.md",
        "troubleshooting.md",
        "reliability.md",
    } <= names
    index = (DOCS / "README.md").read_text()
    for name in names - {"README.md"}:
        assert f"({name})" in index, f"docs/README.md does not link {name}"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "python")], ids=lambda p: p.name)
def test_python_blocks_run(page: Path, tmp_path: Path) -> None:
    if page.name == "testing.md" and needs_dag_test.args[0]:
        pytest.skip(needs_dag_test.kwargs["reason"])
    script = tmp_path / f"{page.stem}.py"
    script.write_text("\n\n".join(blocks(page, "python")))
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")},
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


@pytest.mark.timeout(120)
def test_cli_connection_setup(airflow_db: Path, tmp_path: Path) -> None:
    (command_block,) = [b for b in blocks(DOCS / "connections.md", "bash") if "connections add" in b]
    home = tmp_path / "home"
    home.mkdir()
    copy_metadata_db(airflow_db, home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env["AIRFLOW_HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ran = subprocess.run(
        ["bash", "-euc", command_block], capture_output=True, text=True, env=env, timeout=100
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    # Outside a task, Airflow 3 reads connections only from its secrets backends, not the
    # metastore, so the CLI reads back what the commands stored.
    stored = {}
    for conn_id in ("camb_default", "blendvision_default"):
        got = subprocess.run(
            ["airflow", "connections", "get", conn_id, "-o", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=100,
        )
        assert got.returncode == 0, got.stderr[-3000:]
        # Some Airflow lines log to stdout first; the JSON is the last line.
        (stored[conn_id],) = json.loads(
            [line for line in got.stdout.splitlines() if line.startswith("[{")][-1]
        )
    assert stored["camb_default"]["conn_type"] == "camb"
    assert stored["camb_default"]["password"] == "YOUR-CAMB-API-KEY"
    assert stored["blendvision_default"]["conn_type"] == "blendvision"
    assert stored["blendvision_default"]["password"] == "YOUR-BV-API-TOKEN"
    assert stored["blendvision_default"]["extra_dejson"] == {"org_id": "YOUR-ORG-ID"}
