"""The Airflow version matrix: the test suite on every supported Airflow line and Python.

Each cell is one virtualenv under ``.venv/matrix/`` built by the bootstrapped uv from the
pinned lock ``requirements/airflow-X.txt`` (this package installed editable), then pytest.
Cells run one after another (the machine has two cores). The table of counts and wall times
is printed and written to ``.venv/matrix/results.md``; the exit status is non-zero if any
cell failed. Standard library only: it runs on the machine's Python before any venv exists.

    python scripts/matrix.py                      # every cell
    python scripts/matrix.py --airflow 3.0.6 --python 3.12
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MATRIX_DIR = ROOT / ".venv" / "matrix"
UV = ROOT / ".venv" / "tools" / "bin" / "uv"

AIRFLOW_VERSIONS = ["2.10.5", "2.11.2", "3.0.6", "3.1.8", "3.2.2", "3.3.2"]
# Every Airflow line above supports both (2.10 and 2.11: 3.8/3.9-3.12; 3.0: 3.9-3.12;
# 3.1+: 3.10-3.13). 3.10 is the package's floor and is covered by the lock files'
# universal resolution, not run here.
PYTHONS = ["3.11", "3.12"]


@dataclass
class Result:
    airflow: str
    python: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    setup_s: float = 0.0
    test_s: float = 0.0
    status: str = "not run"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def find_python(version: str) -> str:
    """An interpreter for ``version``: on PATH if it runs, else a pyenv install."""
    name = f"python{version}"
    for candidate in [
        shutil.which(name),
        *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/{name}"))),
    ]:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit(f"no working {name} found (on PATH or under ~/.pyenv/versions)")


def fingerprint(airflow: str, python: str) -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "requirements" / f"airflow-{airflow}.txt", ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    digest.update(python.encode())
    return digest.hexdigest()


def build_venv(airflow: str, python: str, venv: Path) -> None:
    stamp = venv / ".installed"
    want = fingerprint(airflow, python)
    if stamp.exists() and stamp.read_text() == want:
        return
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    lock = ROOT / "requirements" / f"airflow-{airflow}.txt"
    py = str(venv / "bin" / "python")
    for cmd in (
        [str(UV), "venv", "-q", "--allow-existing", "--python", find_python(python), str(venv)],
        [str(UV), "pip", "sync", "-q", "--python", py, str(lock)],
        [str(UV), "pip", "install", "-q", "--python", py, "--no-deps", "-e", str(ROOT)],
    ):
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    stamp.write_text(want)


def count(junit: Path, result: Result) -> None:
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        tests, failures = int(suite.get("tests", 0)), int(suite.get("failures", 0))
        errors, skipped = int(suite.get("errors", 0)), int(suite.get("skipped", 0))
        result.failed += failures
        result.errors += errors
        result.skipped += skipped
        result.passed += tests - failures - errors - skipped


def run_cell(airflow: str, python: str, pytest_args: list[str]) -> Result:
    result = Result(airflow, python)
    venv = MATRIX_DIR / f"airflow-{airflow}-py{python}"
    log = MATRIX_DIR / f"airflow-{airflow}-py{python}.log"
    junit = MATRIX_DIR / f"airflow-{airflow}-py{python}.xml"
    print(f"--- Airflow {airflow} on Python {python}", flush=True)
    start = time.monotonic()
    try:
        build_venv(airflow, python, venv)
    except subprocess.CalledProcessError as exc:
        result.status = f"venv failed ({exc.returncode})"
        result.setup_s = time.monotonic() - start
        return result
    result.setup_s = time.monotonic() - start
    junit.unlink(missing_ok=True)
    start = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pytest", "-q", f"--junitxml={junit}", *pytest_args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    result.test_s = time.monotonic() - start
    if junit.exists():
        count(junit, result)
    result.status = "ok" if proc.returncode == 0 else f"pytest exit {proc.returncode}"
    tail = log.read_text().strip().splitlines()[-1:] or ["(no output)"]
    times = f"setup {result.setup_s:.0f}s, tests {result.test_s:.0f}s"
    print(f"    {tail[0]}  [{times}, log {log.relative_to(ROOT)}]")
    return result


def table(results: list[Result]) -> str:
    lines = [
        "| Airflow | Python | result | passed | failed | errors | skipped | venv (s) | tests (s) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.airflow} | {r.python} | {r.status} | {r.passed} | {r.failed} | {r.errors} | "
            f"{r.skipped} | {r.setup_s:.0f} | {r.test_s:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--airflow", action="append", choices=AIRFLOW_VERSIONS, help="only these (repeatable)"
    )
    parser.add_argument("--python", action="append", choices=PYTHONS, help="only these (repeatable)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    if not UV.exists():
        raise SystemExit(f"{UV} missing: run through `make matrix`, which bootstraps it")
    MATRIX_DIR.mkdir(parents=True, exist_ok=True)
    results = [
        run_cell(airflow, python, args.pytest_args)
        for airflow in args.airflow or AIRFLOW_VERSIONS
        for python in args.python or PYTHONS
    ]
    report = table(results)
    (MATRIX_DIR / "results.md").write_text(report + "\n")
    print(report)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
