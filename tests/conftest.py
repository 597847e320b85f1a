"""Test settings: Prefect on a throw-away home with a test harness; the real spaCy model; ../shared where present."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Prefect reads these at import: set them before anything imports prefect (see PREFECT_NOTES in ../shared)
_PREFECT_HOME = tempfile.mkdtemp(prefix="newsloom-prefect-")
os.environ.update({
    "PREFECT_HOME": _PREFECT_HOME,
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
})
os.environ.pop("PREFECT_API_URL", None)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the test is skipped where it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not available here")
    return p


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="session")
def nlp():
    from newsloom.nlp import load_nlp

    return load_nlp("en_core_web_sm")


@pytest.fixture(scope="session")
def aliases():
    from tasks.entities import load_aliases

    return load_aliases()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, prefect_harness):
    """The flow run once over the sample corpus: (output root, summary)."""
    from flows.pipeline import news_pipeline

    out = tmp_path_factory.mktemp("sample") / "processed"
    summary = news_pipeline(sources=[str(SAMPLE)], out=str(out))
    return out, summary


@pytest.fixture()
def config(tmp_path):
    from newsloom.config import make_config

    raw = tmp_path / "in"
    raw.mkdir()
    return make_config(sources=[str(raw)], out=str(tmp_path / "out"))
