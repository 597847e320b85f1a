"""Quote clusters, who-talks-about-whom and `newsloom sql`, on the sample corpus and on small cases."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

from newsloom import schemas
from tasks.clusters import MAX_POSTINGS, assign_quote_clusters

STATEMENT = "We did not win everything we asked for, but no worker at Dunmere will earn less than the cost of living again"


def cluster_quotes(new, earlier=None, max_postings=MAX_POSTINGS):
    """The cluster-quotes whole phase (what production runs) on rows: each new row gains its quote_cluster_id."""
    import pyarrow as pa

    new_t = pa.table({"quote_id": pa.array([r["quote_id"] for r in new], pa.string()),
                      "text": pa.array([r["text"] for r in new], pa.string()),
                      "speaker_entity_id": pa.array([r["speaker_entity_id"] for r in new], pa.string())})
    earlier_t = schemas.QUOTES.empty_table().select(["quote_cluster_id", "text", "speaker_entity_id"])
    if earlier:
        earlier_t = pa.Table.from_pylist(earlier, schema=earlier_t.schema)
    got = assign_quote_clusters(new_t, earlier_t, max_postings)
    cluster_of = dict(zip(got.column("quote_id").to_pylist(), got.column("quote_cluster_id").to_pylist()))
    for r in new:
        r["quote_cluster_id"] = cluster_of[r["quote_id"]]
    return new


def q(quote_id, text, speaker=None):
    return {"quote_id": quote_id, "text": text, "speaker_entity_id": speaker}


def test_a_shortened_quote_joins_the_full_one_and_other_speakers_do_not():
    rows = cluster_quotes([
        q("a1", STATEMENT, "castell"),
        q("b2", "no worker at Dunmere will earn less than the cost of living again", "castell"),
        q("c3", "no worker at Dunmere will earn less than the cost of living again", None),  # speaker unknown
        q("d4", "no worker at Dunmere will earn less than the cost of living again", "renner"),  # someone else
        q("e5", "The door is open", "renner"),
    ])
    ids = {r["quote_id"]: r["quote_cluster_id"] for r in rows}
    assert ids["a1"] == ids["b2"] == ids["c3"] == "a1"
    assert ids["d4"] == "d4" and ids["e5"] == "e5"


def test_short_quotes_join_only_the_same_words_of_the_same_speaker():
    rows = cluster_quotes([q("a", "playing for time", "castell"), q("b", "playing for time", "renner"),
                           q("c", "unrealistic", "renner"), q("d", "unrealistic", "renner"),
                           q("e", "unrealistic", None)])
    ids = {r["quote_id"]: r["quote_cluster_id"] for r in rows}
    assert ids["b"] == "b" and ids["d"] == "c" and ids["e"] == "e"


def test_clusters_of_earlier_runs_keep_their_ids():
    earlier = [{"quote_cluster_id": "old1", "text": STATEMENT, "speaker_entity_id": "castell"}]
    rows = cluster_quotes([q("zz", STATEMENT.upper() + "!", "castell")], earlier)
    assert rows[0]["quote_cluster_id"] == "old1"


def test_no_new_quotes_leaves_the_committed_clusters_alone():
    earlier = [{"quote_cluster_id": "old1", "text": STATEMENT, "speaker_entity_id": "castell"},
               {"quote_cluster_id": "old2", "text": STATEMENT, "speaker_entity_id": None}]
    assert cluster_quotes([], earlier) == []
    rows = cluster_quotes([q("n1", "", "castell"), q("n2", "Fine.", None)], earlier)  # no shingle to share
    assert [r["quote_cluster_id"] for r in rows] == ["n1", "n2"]


def brute_force_clusters(rows):
    """The clustering rule applied literally: each quote, in id order, against every quote before it."""
    from tasks.clusters import MIN_OVERLAP, SHINGLE, is_short
    from tasks.common.text import word_shingles

    done, speakers = [], {}
    for r in sorted(rows, key=lambda x: x["quote_id"]):
        a, short, best, best_score = word_shingles(r["text"], SHINGLE), is_short(r["text"]), None, 0.0
        for b, b_speaker, b_cluster, b_short in done:
            known = speakers.get(b_cluster)
            if not a or (r["speaker_entity_id"] and known and r["speaker_entity_id"] != known):
                continue
            if (short or b_short) and not (a == b and r["speaker_entity_id"] and r["speaker_entity_id"] == b_speaker):
                continue
            score = len(a & b) / min(len(a), len(b))
            if score >= MIN_OVERLAP and (score > best_score or score == best_score and b_cluster < best):
                best, best_score = b_cluster, score
        cluster = best or r["quote_id"]
        if r["speaker_entity_id"]:
            speakers.setdefault(cluster, r["speaker_entity_id"])
        done.append((a, r["speaker_entity_id"], cluster, short))
        r["expected"] = cluster
    return rows


@pytest.mark.parametrize("max_postings", [None, 128])
def test_indexed_clustering_equals_the_literal_rule(max_postings):
    """Prefix filtering finds every pair the rule accepts: on 600 quotes drawn from a small vocabulary (many
    near-copies, shortened versions, short quotes, three speakers and unknown ones) the clusters are the same
    as comparing every pair, in chunks of a few candidate pairs, with and without the postings cap."""
    import random

    import tasks.clusters as clusters

    rng = random.Random(5)
    words = "the port will reopen on monday and workers get a raise of four percent over two years".split()
    base = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 16))) for _ in range(60)]
    rows = []
    for i in range(600):
        text = rng.choice(base).split()
        if rng.random() < 0.5 and len(text) > 3:  # shortened or slightly edited copy
            cut = rng.randint(0, 2)
            text = text[cut:len(text) - rng.randint(0, 2)] or text
            if rng.random() < 0.3:
                text[rng.randrange(len(text))] = rng.choice(words)
        rows.append(q(f"q{i:04d}", " ".join(text), rng.choice(["castell", "renner", "feld", None])))
    expected = {r["quote_id"]: r["expected"] for r in brute_force_clusters([dict(r) for r in rows])}
    budget, clusters.PAIR_BUDGET = clusters.PAIR_BUDGET, 500  # many chunks: pairs that span chunks
    try:
        got = {r["quote_id"]: r["quote_cluster_id"] for r in cluster_quotes(rows, max_postings=max_postings)}
    finally:
        clusters.PAIR_BUDGET = budget
    assert got == expected
    assert len(set(got.values())) < 300  # the case really has clusters to find


def test_a_line_many_people_say_joins_its_own_speakers_copy_past_the_postings_cap():
    """300 spokespeople say the same line before Castell repeats hers: every shingle already indexes 300
    quotes, past the cap, but Castell's repeat still finds her first copy (the index keyed by speaker) and
    no one else's; an unknown speaker's copy joins the first cluster."""
    line = "We are reviewing the decision and will respond in due course"
    rows = [q(f"a{i:03d}", line, f"spokes{i:03d}") for i in range(300)]
    rows += [q("b000", line, "castell"), q("c000", line, "castell"), q("d000", line, None)]
    ids = {r["quote_id"]: r["quote_cluster_id"] for r in cluster_quotes(rows, max_postings=32)}
    assert ids["c000"] == ids["b000"] == "b000"
    assert ids["d000"] == "a000"
    assert len(set(ids.values())) == 301


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


def test_a_short_line_said_twice_once_with_no_speaker_does_not_crash():
    """Every candidate pair of a chunk can be filtered out (a short quote joins only the same known speaker);
    clustering then has no pair to walk and each quote founds its own cluster (a crash on real newswire)."""
    rows = cluster_quotes([{"quote_id": "q0", "text": "No comment.", "speaker_entity_id": None},
                           {"quote_id": "q1", "text": "No comment.", "speaker_entity_id": "valen"}])
    assert [r["quote_cluster_id"] for r in rows] == ["q0", "q1"]
