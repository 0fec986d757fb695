"""The lineage's naming rules (pure), and that the OpenLineage provider stays optional: importing
the operators loads no OpenLineage module; only asking them for facets does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_dubbing.outputs.lineage import DatasetName, file_dataset, library_dataset, media_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("uri", "namespace", "name"),
    [
        ("camb://runs/7/ja/video", "camb://runs", "7/ja/video"),
        ("camb://runs/7/es-ES/exports/mp3", "camb://runs", "7/es-ES/exports/mp3"),
        ("blendvision://dubbing-jobs/job-1/ko", "blendvision://dubbing-jobs", "job-1/ko"),
    ],
)
def test_a_dubbed_file_is_named_by_its_asset_uri(uri: str, namespace: str, name: str) -> None:
    assert file_dataset(uri) == DatasetName(namespace, name)
    assert f"{namespace}/{name}" == uri


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://media.example/a/b.mp4?X-Amz-Signature=abc&X-Amz-Credential=AKID",
            DatasetName("https://media.example", "a/b.mp4"),
        ),
        (
            "https://user:secret@Media.Example:8443/v.mp4#t=10",
            DatasetName("https://media.example:8443", "v.mp4"),
        ),
        ("http://[::1]:9000/x.wav?sig=1", DatasetName("http://[::1]:9000", "x.wav")),
        ("https://media.example", DatasetName("https://media.example", "/")),
        # A YouTube watch link keeps its public video id, and nothing else of its query.
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
            DatasetName("https://www.youtube.com", "watch/dQw4w9WgXcQ"),
        ),
        ("https://youtu.be/dQw4w9WgXcQ?si=tracking", DatasetName("https://youtu.be", "dQw4w9WgXcQ")),
        (
            "https://drive.google.com/file/d/abc/view?usp=sharing",
            DatasetName("https://drive.google.com", "file/d/abc/view"),
        ),
        ("ftp://media.example/a.mp4", None),
        ("not a url", None),
        ("https://media.example:99999/a.mp4", None),
        (None, None),
        ("{{ var.value.video }}", None),
    ],
)
def test_a_source_url_is_named_without_query_userinfo_or_fragment(
    url: str | None, expected: DatasetName | None
) -> None:
    assert media_dataset(url) == expected


@pytest.mark.parametrize(
    ("source_id", "source_type", "name"),
    [
        ("vod-1", "DUBBING_SOURCE_TYPE_VIDEO", "video/vod-1"),
        ("aud 2", "audio", "audio/aud%202"),
        ("vod-1", None, "unknown/vod-1"),
    ],
)
def test_a_library_source_is_named_by_its_kind_and_id(
    source_id: str, source_type: str | None, name: str
) -> None:
    assert library_dataset(source_id, source_type) == DatasetName("blendvision://library", name)


def test_a_library_source_without_id_is_none() -> None:
    assert library_dataset(" ", "video") is None
    assert library_dataset(None, "video") is None


_IMPORT_OPERATORS = """
import json, sys
import airflow
before = {m for m in sys.modules if "openlineage" in m}
import airflow_provider_dubbing.operators.blendvision, airflow_provider_dubbing.operators.camb
import airflow_provider_dubbing.sensors.blendvision, airflow_provider_dubbing.sensors.camb
import airflow_provider_dubbing.tasks.lineage, airflow_provider_dubbing.get_provider_info
print(json.dumps(sorted({m for m in sys.modules if "openlineage" in m} - before)))
"""


@pytest.mark.timeout(120)
def test_importing_the_operators_loads_no_openlineage_module() -> None:
    # A fresh interpreter: this one may have loaded OpenLineage for another test. (Airflow 3 itself
    # reads the provider's get_provider_info for its config: that is Airflow's, and not counted.)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_OPERATORS], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_facets_name_no_presigned_url_or_credential() -> None:
    pytest.importorskip("airflow.providers.openlineage", reason="the OpenLineage provider is not installed")
    from openlineage.client.serde import Serde

    from airflow_provider_dubbing.operators.camb import CambDubOperator
    from airflow_provider_dubbing.outputs.files import DubbedFile

    op = CambDubOperator(
        task_id="dub",
        video_url="https://me:hunter2@media.example/in.mp4?X-Amz-Signature=sig&X-Amz-Credential=AKID",
        source_language="en-US",
        target_languages="ja",
    )
    op.files_made = (
        DubbedFile(
            "camb://runs/5/ja/video", "CAMB.AI", "dub", "t-1", "ja", "mp4", "https://files.example/o.mp4"
        ),
    )
    lineage = op.get_openlineage_facets_on_complete(None)
    facets = {k: Serde.to_dict(v) for k, v in lineage.run_facets.items()}
    text = json.dumps([[Serde.to_dict(d) for d in lineage.inputs + lineage.outputs], facets])
    for secret in ("X-Amz", "sig", "AKID", "hunter2", "me:", "?"):
        assert secret not in text
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("https://media.example", "in.mp4")]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("camb://runs", "5/ja/video")]
    assert facets["dubbing"]["files"] == 1
    assert op.get_openlineage_facets_on_start().outputs == []


def test_the_asset_converter_names_an_asset_as_the_operators_name_its_file() -> None:
    pytest.importorskip("airflow.providers.openlineage", reason="the OpenLineage provider is not installed")
    from airflow_provider_dubbing._compat import Asset
    from airflow_provider_dubbing.tasks.lineage import convert_asset_to_openlineage

    dataset = convert_asset_to_openlineage(Asset("blendvision://dubbing-jobs/j-1/ko"), None)
    assert (dataset.namespace, dataset.name) == ("blendvision://dubbing-jobs", "j-1/ko")
