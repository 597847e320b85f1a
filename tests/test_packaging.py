"""The wheel built from the repository works without the source tree: every file of package data is in it, and
the models, lexicons and gazetteer load from the unpacked wheel alone."""
from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# read from the unpacked wheel in a fresh interpreter, outside the repository: each of these opens package data
LOADS_PACKAGE_DATA = """
import sys
from pathlib import Path
import newsloom, tasks
here = Path(sys.argv[1])
assert Path(tasks.__file__).is_relative_to(here) and Path(newsloom.__file__).is_relative_to(here), tasks.__file__
from newsloom.lang import pack_for
from tasks.clean.ranker import shipped_model
from tasks.places.gazetteer import load_gazetteer
from tasks.quotes.encoder import EncoderTagger
from tasks.quotes.model import load_tagger
assert pack_for("fr").lexicon.reporting_verbs and pack_for("en").lexicon.byline_labels
assert set(shipped_model()) >= {"date", "author", "title"}
assert any(p.country_code == "FR" for p in load_gazetteer().candidates("Paris"))
assert EncoderTagger().session is not None and load_tagger(None, "crf") is not None
print("package data ok")
"""


def package_data_in_repo() -> set[str]:
    """The repository's files that pyproject.toml's ``package-data`` names, as paths inside the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    out = set()
    for package, patterns in config["tool"]["setuptools"]["package-data"].items():
        base = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            out |= {p.relative_to(ROOT).as_posix() for p in base.glob(pattern) if p.is_file()}
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    (built,) = out.glob("newsloom-*.whl")
    return built


def test_every_file_of_package_data_is_in_the_wheel(wheel):
    expected = package_data_in_repo()
    assert {"tasks/quotes/model/attribution.onnx", "tasks/clean/model/metadata_ranker.json",
            "tasks/places/data/gazetteer.parquet", "newsloom/lang/fr.json"} <= expected
    names = set(zipfile.ZipFile(wheel).namelist())
    assert expected <= names, sorted(expected - names)


def test_the_models_and_lexicons_load_from_the_unpacked_wheel_alone(wheel, tmp_path):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-c", LOADS_PACKAGE_DATA, str(unpacked)], cwd=elsewhere, timeout=300,
                          capture_output=True, text=True, env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "package data ok" in done.stdout
