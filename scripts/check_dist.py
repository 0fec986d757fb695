"""Release check: build the wheel and sdist, then install the wheel where only Airflow is.

1. ``python -m build`` (pinned build and hatchling from ``requirements/dist-tools.txt``, no
   isolation, so nothing unpinned is fetched) writes both into ``dist/``; ``twine check --strict``.
2. The wheel is ``py3-none-any``, ships ``py.typed``, the emulator and the provider entry point,
   and no tests; the sdist carries what a rebuild needs.
3. A fresh virtualenv gets the wheel with Airflow 3.3.2 and nothing else (versions constrained by
   the 3.3.2 lock file, so no resolution drifts); ``airflow providers list`` in a throwaway
   AIRFLOW_HOME must list the package at its version; no dev tool may be installed.
4. The ``[emulator]`` extra installs, ``python -m airflow_provider_dubbing.emulator --port 0``
   starts, answers one request and stops on SIGTERM.

Standard library only; run it through ``make dist-check``, which bootstraps uv.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".venv" / "tools" / "bin" / "uv"
WORK = ROOT / ".venv" / "dist-check"
TOOLS = WORK / "tools"
CLEAN = WORK / "clean"
DIST = ROOT / "dist"
AIRFLOW_LOCK = ROOT / "requirements" / "airflow-3.3.2.txt"
NAME = "airflow-provider-dubbing"
MODULE = "airflow_provider_dubbing"
ENV = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}


@contextmanager
def timed(title: str) -> Iterator[None]:
    start = time.monotonic()
    print(f"--- {title}", flush=True)
    yield
    print(f"    ok ({time.monotonic() - start:.1f}s)", flush=True)


def run(*cmd: str | Path, capture: bool = False, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd],
        check=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE if capture else None,
    )


def version() -> str:
    for line in (ROOT / MODULE / "__init__.py").read_text().splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in the package")


def build() -> tuple[Path, Path]:
    run(UV, "venv", "-q", "--allow-existing", "--python", sys.executable, TOOLS)
    run(
        UV,
        "pip",
        "sync",
        "-q",
        "--python",
        TOOLS / "bin" / "python",
        ROOT / "requirements" / "dist-tools.txt",
    )
    shutil.rmtree(DIST, ignore_errors=True)
    run(TOOLS / "bin" / "python", "-m", "build", "--no-isolation", "--outdir", DIST, ROOT, quiet=True)
    wheels, sdists = sorted(DIST.glob("*.whl")), sorted(DIST.glob("*.tar.gz"))
    assert len(wheels) == 1, f"expected one wheel, got {wheels}"
    assert len(sdists) == 1, f"expected one sdist, got {sdists}"
    run(TOOLS / "bin" / "twine", "check", "--strict", *wheels, *sdists)
    return wheels[0], sdists[0]


def inspect(wheel: Path, sdist: Path, ver: str) -> None:
    assert wheel.name == f"{MODULE}-{ver}-py3-none-any.whl", wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    must = [
        f"{MODULE}/py.typed",
        f"{MODULE}/get_provider_info.py",
        f"{MODULE}/emulator/__main__.py",
        f"{MODULE}/hooks/camb.py",
        f"{MODULE}-{ver}.dist-info/entry_points.txt",
    ]
    missing = [n for n in must if n not in names]
    assert not missing, f"wheel lacks {missing}"
    stray = [
        n for n in names if not (n.startswith(f"{MODULE}/") or n.startswith(f"{MODULE}-{ver}.dist-info/"))
    ]
    assert not stray, f"wheel carries files outside the package: {stray[:10]}"
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/")], "wheel carries tests"
    entry_points = zipfile.ZipFile(wheel).read(f"{MODULE}-{ver}.dist-info/entry_points.txt").decode()
    assert "[apache_airflow_provider]" in entry_points, entry_points
    assert "get_provider_info" in entry_points, entry_points
    metadata = zipfile.ZipFile(wheel).read(f"{MODULE}-{ver}.dist-info/METADATA").decode()
    assert "Provides-Extra: emulator" in metadata, "no emulator extra in METADATA"
    prefix = f"{MODULE}-{ver}/"
    with tarfile.open(sdist) as archive:
        snames = {n.removeprefix(prefix) for n in archive.getnames()}
    for needed in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        f"{MODULE}/py.typed",
        f"{MODULE}/__init__.py",
        "docs/reliability.md",
        "soak/__main__.py",
        "scripts/real_airflow.py",
    ):
        assert needed in snames, f"sdist lacks {needed}"
    print(f"    {wheel.name}: {len(names)} files; {sdist.name}: {len(snames)} entries")


def install_clean(wheel: Path) -> Path:
    shutil.rmtree(CLEAN, ignore_errors=True)
    run(UV, "venv", "-q", "--python", sys.executable, CLEAN)
    py = CLEAN / "bin" / "python"
    # The lock only constrains versions; what gets installed is the wheel and its own requirements
    # plus Airflow at the lock's version.
    run(UV, "pip", "install", "-q", "--python", py, "-c", AIRFLOW_LOCK, "apache-airflow==3.3.2", wheel)
    installed = {
        line.split("==")[0].lower()
        for line in run(UV, "pip", "freeze", "--python", py, capture=True).stdout.splitlines()
    }
    dev_only = {"pytest", "mypy", "ruff", "pytest-timeout", "aiohttp"} & installed
    assert not dev_only, f"dev or extra packages leaked into a plain install: {dev_only}"
    return py


def providers_list(py: Path, ver: str) -> None:
    with tempfile.TemporaryDirectory(prefix="dist-check-airflow-") as home:
        env = {
            **ENV,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(Path(home) / "dags"),
        }
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")}
        out = subprocess.run(
            [str(CLEAN / "bin" / "airflow"), "providers", "list", "-o", "json"],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        listed = {row["package_name"]: row["version"] for row in json.loads(out.stdout)}
        assert listed.get(NAME) == ver, f"{NAME} {ver} not listed: {listed}"
        print(f"    airflow providers list: {NAME} {listed[NAME]} among {len(listed)} providers")


def emulator(py: Path, wheel: Path) -> None:
    run(
        UV, "pip", "install", "-q", "--python", py, "-c", AIRFLOW_LOCK, f"{NAME}[emulator] @ {wheel.as_uri()}"
    )
    proc = subprocess.Popen(
        [str(py), "-m", f"{MODULE}.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=WORK,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        prefix = "dubbing emulator listening on "
        if not line.startswith(prefix):
            proc.kill()
            _, err = proc.communicate(timeout=15)
            raise AssertionError(f"unexpected first line {line!r}; stderr: {err[-2000:]}")
        url = line.removeprefix(prefix)
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=10) as answer:
            assert answer.status == 200, answer.status
            body = answer.read().decode()
        print(f"    {line}; GET /_emulator/health -> 200 {body.strip()[:80]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("the emulator did not stop on SIGTERM") from None
    assert code == 0, f"the emulator exited {code} on SIGTERM"


def main() -> int:
    if not UV.exists():
        raise SystemExit(f"{UV} missing: run through `make dist-check`, which bootstraps it")
    start = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    ver = version()
    with timed("build wheel and sdist, twine check"):
        wheel, sdist = build()
    with timed("inspect the wheel and sdist"):
        inspect(wheel, sdist, ver)
    with timed("install the wheel into a clean venv with only Airflow 3.3.2"):
        py = install_clean(wheel)
    with timed("airflow providers list"):
        providers_list(py, ver)
    with timed("install the [emulator] extra, start it, one request, stop it"):
        emulator(py, wheel)
    print(f"dist-check passed in {time.monotonic() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
