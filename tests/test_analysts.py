"""Quote clusters on the sample corpus (the rule itself: tests/test_clusters.py), who-talks-about-whom and `newsloom sql`, on the sample corpus and on small cases."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
from conftest import ROOT


def test_sample_corpus_statement_is_one_cluster_across_outlets(sample_run):
    out, _ = sample_run
    quotes = pd.read_parquet(out / "quotes")
    clusters = pd.read_parquet(out / "quote_clusters.parquet")
    assert quotes["quote_cluster_id"].notna().all()
    assert set(quotes["quote_cluster_id"]) == set(clusters["cluster_id"])
    castell = clusters[clusters["text"].str.contains("cost of living again")]
    assert len(castell) == 1
    c = castell.iloc[0]
    assert c["speaker"] == "Priya Castell" and c["n_articles"] == 2 and c["n_sites"] == 2
    assert list(c["speakers"]) == ["Priya Castell"]
    assert c["text"].startswith("We did not win everything")  # the full wording, not the shortened one
    assert c["first_seen"] == pd.Timestamp("2026-03-10", tz="UTC")
    # the Okhotin statement carried by three outlets (two of them wire copies with their own framing)
    assert (clusters["n_sites"] >= 2).sum() >= 2


def test_speaker_mentions_count_entities_inside_the_quoted_words(sample_run):
    out, _ = sample_run
    sm = pd.read_parquet(out / "speaker_mentions.parquet")
    quotes = pd.read_parquet(out / "quotes")
    mentions = pd.read_parquet(out / "mentions")
    row = sm[(sm.speaker == "Priya Castell") & (sm.name == "Dunmere")]
    assert len(row) == 1
    # recount by hand: Castell's quotes whose span contains a Dunmere mention
    cq = quotes[quotes.speaker == "Priya Castell"]
    dm = mentions[mentions.name == "Dunmere"]
    n = sum(any((m.article_id == x.article_id) and m.start_char >= x.start_char and m.end_char <= x.end_char
                for m in dm.itertuples()) for x in cq.itertuples())
    assert row.iloc[0]["n_quotes"] == n >= 1
    assert not (sm.speaker_entity_id == sm.entity_id).any()  # a speaker does not talk about themselves


def newsloom(*args):
    return subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_sql_command_formats(sample_run, tmp_path):
    out, _ = sample_run
    query = "SELECT name, n_quotes FROM speakers ORDER BY n_quotes DESC, name LIMIT 3"
    r = newsloom("sql", query, "--out", str(out), "--format", "csv")
    assert r.returncode == 0, r.stderr
    csv = pd.read_csv(io.StringIO(r.stdout))
    expected = pd.read_parquet(out / "speakers.parquet").sort_values(["n_quotes", "name"], ascending=[False, True])
    assert csv["name"].tolist() == expected["name"].head(3).tolist()
    r = newsloom("sql", "SELECT count(*) AS n FROM quotes q JOIN articles a USING (article_id)", "--out", str(out),
                 "--format", "json")
    assert json.loads(r.stdout.splitlines()[0])["n"] == len(pd.read_parquet(out / "quotes"))
    target = tmp_path / "clusters.parquet"
    r = newsloom("sql", "SELECT * FROM quote_clusters WHERE n_sites > 1", "--out", str(out), "--format", "parquet",
                 "-o", str(target))
    assert r.returncode == 0 and len(pd.read_parquet(target)) >= 2
    r = newsloom("sql", "SELECT name FROM entities LIMIT 2", "--out", str(out))
    assert r.returncode == 0 and "name" in r.stdout
    bad = newsloom("sql", "SELECT * FROM no_such_table", "--out", str(out))
    assert bad.returncode == 1 and "no_such_table" in bad.stderr
    assert newsloom("sql", "SELECT 1", "--out", str(tmp_path / "nothing")).returncode == 2
