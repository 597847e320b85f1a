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
from hypothesis import settings  # noqa: E402

# CI runs the property tests on a fixed sequence of examples, so that a result is the same on every try; a
# developer's runs keep exploring new examples (and a failure found there prints its reproduction)
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


NEEDS_SHARED = "needs ../shared:"  # the start of the skip reason of every test that reads ../shared


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the test is skipped where it is absent, and listed at the end of the run."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{NEEDS_SHARED} {p} is not available here")
    return p


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Every contract check and quality floor skipped for lack of ../shared, in a section of its own: a
    clone without it passes, but says what it did not check."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if NEEDS_SHARED in str(r.longrepr)]
    if skipped:
        terminalreporter.section(f"{len(skipped)} checks not run: ../shared is absent", sep="-", yellow=True)
        for r in skipped:
            terminalreporter.line(f"  {r.nodeid}")


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
    from tasks.identity.keys import load_aliases

    return load_aliases()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, prefect_harness):
    """The flow run once over the sample corpus, serially (``workers=1``; tests/test_dask.py compares it with
    a 2-process cluster): (output root, summary)."""
    from flows.pipeline import news_pipeline

    out = tmp_path_factory.mktemp("sample") / "processed"
    summary = news_pipeline(sources=[str(SAMPLE)], out=str(out), workers=1)
    return out, summary


def read_article(nlp, aliases, text: str, language: str = "en", tagger: str = "encoder") -> tuple[list[dict], list[dict]]:
    """(mentions, quotes) of one article through the extract stage's production wrapper (title-cased capitals,
    table codes dropped, the language's pack and quote finder, the ``quote_tagger`` named), as rows."""
    import pyarrow as pa

    from newsloom.lang import pack_for
    from tasks.extract import extract_mentions_and_quotes
    from tasks.quotes import needs_tagger
    from tasks.quotes.model import load_tagger

    pack = pack_for(language)
    mentions, quotes = extract_mentions_and_quotes(pa.table({"text": [text], "article_id": ["a1"]}), nlp, aliases,
                                                   "test", pack, tagger=load_tagger(None, tagger) if needs_tagger(pack) else None)
    return mentions.to_pylist(), quotes.to_pylist()


@pytest.fixture(scope="session")
def tiny_german_model(tmp_path_factory):
    """A tiny German pipeline built here: a sentencizer and an entity ruler that knows two names."""
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PER", "pattern": "Greta Holm"}, {"label": "LOC", "pattern": "Varnhelm"}])
    path = tmp_path_factory.mktemp("models") / "de_tiny"
    nlp.to_disk(path)
    return path


@pytest.fixture()
def config(tmp_path):
    from newsloom.config import make_config

    raw = tmp_path / "in"
    raw.mkdir()
    return make_config(sources=[str(raw)], out=str(tmp_path / "out"))


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A production-shaped Prefect server on 127.0.0.1: PostgreSQL behind it, the scheduler on (looking every
    5 s, so that a schedule due in the test fires in it).  Returns the environment for its clients."""
    from procs import postgres_bin, start_postgres, start_prefect_server, stop, stop_postgres

    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    pg, db_url, pg_dir = start_postgres()
    home = tmp_path_factory.mktemp("prefect-server-home")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="false",
               PREFECT_API_DATABASE_CONNECTION_URL=db_url, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5")
    try:
        proc, url = start_prefect_server(home, env)
    except BaseException:
        stop_postgres(pg, pg_dir)
        raise
    client_env = {k: v for k, v in env.items() if k != "PREFECT_API_DATABASE_CONNECTION_URL"}
    client_env["PREFECT_API_URL"] = url
    try:
        yield client_env
    finally:
        stop(proc)
        stop_postgres(pg, pg_dir)


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 with the bucket ``news``.  Its endpoint and (dummy) credentials are
    put in this process's environment, the way a user configures S3, and returned for subprocesses."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    from procs import start_moto, stop

    proc, endpoint = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": endpoint}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        import boto3

        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="news")
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        stop(proc)


def fetch_all(config, run_id: str, seen: set | None = None):
    """Every part that the fetch stage's production function yields for ``config.sources``, concatenated:
    (documents, rejects, inputs already seen)."""
    from collections import Counter

    import pyarrow as pa

    from newsloom import schemas
    from tasks.fetch import FetchState, fetch_documents

    counts: Counter = Counter()
    docs, rejects = [schemas.DOCUMENTS.empty_table()], [schemas.REJECTS.empty_table()]
    for _, tables in fetch_documents(config, run_id, FetchState(seen=seen or set()), counts):
        docs.append(tables.get("documents", docs[0]))
        rejects.append(tables.get("rejects", rejects[0]))
    return pa.concat_tables(docs), pa.concat_tables(rejects), counts["already_seen"]
