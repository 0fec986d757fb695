"""The supported-versions page is what ``scripts/version_matrix.py`` renders from its data,
so a hand edit of ``docs/versions.md`` is caught; and a matrix report replaces only older figures."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "version_matrix.py"


@pytest.fixture(scope="module")
def version_matrix() -> ModuleType:
    spec = importlib.util.spec_from_file_location("version_matrix", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_page_is_the_render_of_committed_data(version_matrix: ModuleType) -> None:
    committed = version_matrix.PAGE.read_text(encoding="utf-8")
    assert committed == version_matrix.render(version_matrix.load()), (
        "docs/versions.md differs from what docs/versions.json renders: edit the JSON file and run "
        "`python scripts/version_matrix.py --no-results`"
    )


def test_the_page_covers_every_line_and_python(version_matrix: ModuleType) -> None:
    data = version_matrix.load()
    assert [line["airflow"] for line in data["lines"]] == [
        "2.10.5",
        "2.11.2",
        "3.0.6",
        "3.1.8",
        "3.2.2",
        "3.3.2",
    ]
    assert data["pythons"] == ["3.11", "3.12"]
    assert all(set(line["cells"]) == set(data["pythons"]) for line in data["lines"])


def junit(path: Path, *, tests: int, failures: int, errors: int, skipped: int, timestamp: str) -> None:
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        f'tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" '
        f'time="93.6" timestamp="{timestamp}"></testsuite></testsuites>'
    )


def test_a_newer_report_replaces_its_cell_and_an_older_one_does_not(
    version_matrix: ModuleType, tmp_path: Path
) -> None:
    data = copy.deepcopy(version_matrix.load())
    before = copy.deepcopy(data)
    junit(
        tmp_path / "airflow-3.0.6-py3.12.xml",
        tests=700,
        failures=1,
        errors=1,
        skipped=8,
        timestamp="2099-01-02T03:04:05.000000+00:00",
    )
    junit(
        tmp_path / "airflow-2.10.5-py3.11.xml",
        tests=1,
        failures=0,
        errors=0,
        skipped=0,
        timestamp="2000-01-01T00:00:00",
    )
    junit(tmp_path / "airflow-9.9.9-py3.11.xml", tests=1, failures=0, errors=0, skipped=0, timestamp="2099")

    assert version_matrix.merge_results(data, tmp_path) == ["3.0.6/3.12"]
    line = next(line for line in data["lines"] if line["airflow"] == "3.0.6")
    assert line["cells"]["3.12"] == {
        "passed": 690,
        "failed": 2,
        "skipped": 8,
        "seconds": 94,
        "date": "2099-01-02",
    }
    assert line["cells"]["3.11"] == before["lines"][2]["cells"]["3.11"]
    assert data["lines"][0] == before["lines"][0]
    page = version_matrix.render(data)
    kept = line["cells"]["3.11"]  # the committed cell, whatever run it came from
    kept_text = f"{kept['passed']} / {kept['failed']} / {kept['skipped']}, {kept['seconds']} s"
    assert f"| 3.0.6 | {kept_text} | 690 / 2 / 8, 94 s |" in page
    first = min(cell["date"] for row in data["lines"] for cell in row["cells"].values())
    assert f"Cells run between {first} and 2099-01-02." in page
