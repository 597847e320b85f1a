"""The flow end to end on the sample corpus: every contract table, read back with pandas and pyarrow."""
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SAMPLE

from newsloom import schemas

INTEGER_COUNTS = {"n_documents", "n_articles", "n_duplicates", "n_mentions", "n_quotes", "n_rejects"}


def read(out, name):
    path = out / name if (out / name).is_dir() else out / f"{name}.parquet"
    return path, pd.read_parquet(path)


PUBLIC = [n for n in (*schemas.FACT_TABLES, *schemas.AGGREGATES) if not n.startswith("_")]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_table_is_written_with_its_declared_columns_and_types(sample_run, name):
    """What is on disk is what newsloom/schemas.py declares (which test_contract checks against CONTRACT.md)."""
    out, _ = sample_run
    path, df = read(out, name)
    assert len(df) > 0, f"{name} is empty"
    schema = pa.dataset.dataset(path, format="parquet").schema if path.is_dir() else pq.read_schema(path)
    for field in schemas.ALL_TABLES[name]:
        assert field.name in df.columns, f"{name}.{field.name} missing"
        assert schema.field(field.name).type == field.type, f"{name}.{field.name}: {schema.field(field.name).type}"


def test_sample_corpus_yields_what_the_issue_asks(sample_run):
    out, summary = sample_run
    articles = pd.read_parquet(out / "articles")
    quotes = pd.read_parquet(out / "quotes")
    mentions = pd.read_parquet(out / "mentions")
    assert len(articles) >= 10 and len(quotes) >= 10
    assert articles["published_at"].dt.date.nunique() >= 3
    # the two syndicated copies of the wire story point at the original
    dups = articles[articles.dup_of.notna()]
    assert len(dups) == 2
    original = articles.set_index("article_id").loc[dups.dup_of.iloc[0]]
    assert original.source == "text/vws-2026-03-05-okhotin-harbour.txt"
    assert set(dups.source) == {"html/marisport-gazette-2026-03-05-okhotin-harbour.html",
                                "text/kestria-today-okhotin-harbour.txt"}
    # duplicates have no mentions or quotes
    assert not set(dups.article_id) & set(mentions.article_id)
    # one person under name variants is one entity
    okhotin = mentions[mentions.surface.str.contains("Okhotin")]
    assert set(okhotin.surface) >= {"Dmitri Okhotin", "Dmitry Okhotin", "Okhotin"}
    assert okhotin.entity_id.nunique() == 1
    # offsets point into the text
    text = articles.set_index("article_id")["text"]
    for r in quotes.itertuples():
        assert text[r.article_id][r.start_char:r.end_char] == r.text
        if pd.notna(r.speaker_surface):
            assert text[r.article_id][int(r.speaker_start):int(r.speaker_end)] == r.speaker_surface
    for r in mentions.itertuples():
        assert text[r.article_id][r.start_char:r.end_char] == r.surface
    # the German article is kept and its extraction rejected with a reason that names what to install
    rejects = pd.read_parquet(out / "rejects")
    assert rejects.reason.tolist() == ["no_model_for_language"]
    assert "de_core_news_sm" in rejects.detail.iloc[0]
    assert (articles.language == "de").sum() == 1
    # the French articles have mentions and quotes with speakers, by the French model
    french = set(articles.loc[articles.language == "fr", "article_id"])
    assert len(french) == 9 and french <= set(mentions.article_id)
    fr_quotes = quotes[quotes.article_id.isin(french)]
    assert len(fr_quotes) >= 40 and fr_quotes.speaker.notna().mean() >= 0.9
    assert summary["languages"]["fr"] == {"articles": 9, "model": "fr_core_news_sm 3.8.0"}
    # quotes join speakers and entities
    speakers = pd.read_parquet(out / "speakers.parquet")
    entities = pd.read_parquet(out / "entities.parquet")
    assert set(speakers.entity_id) <= set(entities.entity_id)
    top = speakers.sort_values("n_quotes", ascending=False).iloc[0]
    assert top["name"] in {"Priya Castell", "Dmitri Okhotin"}
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.status.tolist() == ["completed"] and runs.n_articles.tolist() == [len(articles)]


def test_rerun_adds_nothing_and_loads_no_model(sample_run, prefect_harness, monkeypatch):
    import newsloom.nlp
    from flows.pipeline import news_pipeline

    out, first = sample_run
    before = {t: len(pd.read_parquet(out / t)) for t in ("documents", "articles", "mentions", "quotes", "rejects")}
    newsloom.nlp.load_nlp.cache_clear()

    def no_model(*a, **k):
        raise AssertionError("the model was loaded on a run with nothing new")
    monkeypatch.setattr("tasks.extract.load_nlp", no_model)
    summary = news_pipeline(sources=[str(SAMPLE)], out=str(out))
    after = {t: len(pd.read_parquet(out / t)) for t in before}
    assert after == before
    assert summary["n_documents"] == 0 and summary["already_seen"] == first["n_documents"]
    assert len(pd.read_parquet(out / "runs.parquet")) == 2


def test_cli_refuses_bad_settings_before_any_work(tmp_path):
    newsloom = [sys.executable, "-m", "newsloom.interfaces.cli"]
    r = subprocess.run([*newsloom, "run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "source not found" in r.stderr
    r = subprocess.run([*newsloom, "run", str(SAMPLE), "--out", str(SAMPLE / "out")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "inside" in r.stderr
    r = subprocess.run([*newsloom, "run", str(SAMPLE), "--out", str(tmp_path / "o"), "--model", "xx_no_such_model"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "not installed" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_cli_runs_the_flow_and_prints_a_summary(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "story.txt").write_text(
        "Harbour reopens after strike\n\nMarch 8, 2026\n\n"
        "The port of Dunmere reopened on Sunday after a five-day strike. “The first ships are already moving,” "
        "harbour chief Jonas Feld said at the quay. Crews worked through the night to clear the backlog.\n\n"
        "Leave a Reply\n\nYour email address will not be published.\n")
    (src / "notes.docx").write_bytes(b"PK\x03\x04")
    r = subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", "run", str(src), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "quotes" in r.stdout and "unsupported_type" in r.stdout
    q = pd.read_parquet(tmp_path / "out" / "quotes")
    assert q.speaker.tolist() == ["Jonas Feld"]


START_EARLY = r"""
import threading, httpx
from flows.cluster import start_local_api
waiting = start_local_api()
assert isinstance(waiting, threading.Thread)
import flows.pipeline  # the imports that the server's start-up runs beside
waiting.join()
from prefect.client.orchestration import get_client
from prefect.server.api.server import SubprocessASGIServer
server = SubprocessASGIServer()
assert httpx.get(server.api_url + "/health").status_code == 200
with get_client(sync_client=True) as client:  # what the flow call talks to: the server started early
    assert str(client.api_url).rstrip("/") == server.api_url, (client.api_url, server.api_url)
print("ok", server.api_url)
"""


@pytest.mark.slow
def test_the_local_api_starts_while_the_cli_imports(tmp_path):
    """newsloom run starts Prefect's temporary server before it imports the pipeline, and the flow then talks
    to that server (one server, not a second one)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    r = subprocess.run([sys.executable, "-c", START_EARLY], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("ok http://127.0.0.1:")


def test_no_local_api_is_started_where_the_run_has_an_api():
    """With an API address (a Prefect server) or with ephemeral mode off, nothing is started early."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    from flows.cluster import start_local_api

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert start_local_api() is None
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
        assert start_local_api() is None


@pytest.mark.slow
def test_a_first_run_on_a_fresh_machine_prints_no_error(tmp_path):
    """The README's first command as a newcomer meets it: a fresh Prefect home (its database is created on
    the spot), Prefect's own defaults for analytics and start-up (not the test settings), no internet.  The
    output holds no ERROR line, and a WARNING only where it is about the user's data."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "fresh-prefect-home")
    r = subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", "run", str(SAMPLE), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = (r.stdout + r.stderr).splitlines()
    assert not [line for line in lines if "ERROR" in line], r.stderr[-3000:]
    assert not [line for line in lines if "| WARNING" in line], r.stderr[-3000:]
