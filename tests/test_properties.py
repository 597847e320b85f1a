"""Properties of every pure stage function, on generated input: empty input, one row, all duplicates,
articles without quotes, one speaker saying everything, very long and very short texts.  Each function is
the one production runs (see newsloom.stage); no Prefect, no store."""
from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsloom import schemas
from newsloom.config import make_config
from tasks.aggregate import compute_aggregates
from tasks.clean import clean_articles, text_hash
from tasks.clusters import assign_quote_clusters, set_quote_clusters
from tasks.common.minhash import compute_signatures
from tasks.dedup import decide_duplicates, mark_duplicates
from tasks.extract import extract_articles

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WORDS = ["harbour", "council", "Brennick", "ferry", "vote", "the", "said", "Dorn", "toll", "island", "“", "”", ".",
         ",", "Mayor", "Ilse", "\n\n", "–", "5", "percent"]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=400).map(" ".join)
CONFIG = make_config(sources=["."], out="/tmp/newsloom-properties-unused", page_timeout=0)


FRENCH_WORDS = ["Ilse", "Dorn", "a", "déclaré", "a-t-elle", "ajouté", "que", "le", "port", "selon", "la", "mairie",
                "«", "»", "\u202f", "\u00a0", "“", "”", "\"", ",", ".", "\n\n", "Pour", "il", "estime", "qu'",
                "Compagnie", "portuaire", "du", "Lac", "—", "Lundi", "2", "mars", "2026"]
french_texts = st.lists(st.sampled_from(FRENCH_WORDS), min_size=0, max_size=300).map(" ".join)


def articles_table(bodies: list[str], run_id: str = "r", language: str = "en") -> pa.Table:
    return schemas.from_rows([{
        "article_id": f"a{i:03d}", "doc_id": f"d{i:03d}", "source": f"s{i:03d}.txt", "text": body,
        "n_words": len(body.split()), "text_hash": text_hash(body), "language": language, "run_id": run_id,
        "published_at": datetime(2026, 3, 1 + i % 28, tzinfo=timezone.utc)} for i, body in enumerate(bodies)],
        schemas.ARTICLES)


# ---- clean ---------------------------------------------------------------------------------------------------
documents = st.lists(st.tuples(st.sampled_from(["text/plain", "text/html", "application/x-ndjson"]),
                               st.one_of(texts.map(str.encode), st.binary(max_size=200))), max_size=6)


@FAST
@given(documents)
def test_clean_accounts_for_every_document(docs):
    table = schemas.from_rows([{"doc_id": f"d{i}", "source": f"s{i}", "fetched_at": datetime.now(timezone.utc),
                                "media_type": m, "content": c, "run_id": "r"} for i, (m, c) in enumerate(docs)],
                              schemas.DOCUMENTS)
    articles, rejects = clean_articles(table, CONFIG)
    # every document is an article or a reject, never both, never lost
    assert articles.num_rows + rejects.num_rows == len(docs)
    assert not set(articles.column("doc_id").to_pylist()) & set(rejects.column("doc_id").to_pylist())
    assert all(n >= CONFIG.min_words for n in articles.column("n_words").to_pylist())


# ---- deduplicate -----------------------------------------------------------------------------------------------
def deduplicate(bodies: list[str]):
    table = articles_table(bodies)
    signatures = compute_signatures(table, CONFIG)
    dups = decide_duplicates(signatures, schemas.SIGNATURES.empty_table(), pa.table({"article_id": pa.array([], pa.string())}),
                             CONFIG)
    return mark_duplicates(table, signatures, dups)


@FAST
@given(st.lists(texts, max_size=8))
def test_dedup_marks_each_article_once_and_points_only_at_originals(bodies):
    out, originals = deduplicate(bodies)
    assert out.num_rows == len(bodies)
    rows = out.to_pylist()
    orig_ids = {r["article_id"] for r in rows if r["dup_of"] is None}
    assert {r["dup_of"] for r in rows if r["dup_of"]} <= orig_ids  # a duplicate's original is an original
    assert set(originals.column("article_id").to_pylist()) == orig_ids
    for r in rows:
        assert (r["dup_of"] is None) == (r["dup_similarity"] is None)


@FAST
@given(texts, st.integers(min_value=2, max_value=6))
def test_all_copies_of_one_text_point_at_the_earliest(body, n):
    out, originals = deduplicate([body] * n)
    marks = {r["article_id"]: r["dup_of"] for r in out.to_pylist()}
    assert marks["a000"] is None and originals.num_rows == 1
    assert all(marks[f"a{i:03d}"] == "a000" for i in range(1, n))


# ---- entity-extract ---------------------------------------------------------------------------------------------
ANCHOR = "\n\n“We will rebuild the east wall before winter,” said Marta Oksel, the harbour engineer."
FRENCH_ANCHOR = "\n\n« Nous reconstruirons le mur avant l'hiver », a déclaré Claire Vasseur, la maire."


def _anchor_found(table: pa.Table, mentions: pa.Table, quotes: pa.Table, speaker: str) -> None:
    """Every article (each ends in the anchor paragraph) has the anchor's speaker among its mentions and a
    quote attributed to that speaker: a property test that fails when nothing is found."""
    ids = set(table.column("article_id").to_pylist())
    named = {(m["article_id"]) for m in mentions.to_pylist() if m["name"] == speaker}
    quoted = {q["article_id"] for q in quotes.to_pylist() if q["speaker"] == speaker and q["kind"] == "direct"}
    assert named == ids and quoted == ids, (ids - named, ids - quoted)


@SLOW
@given(st.lists(st.one_of(texts, st.just(""), st.just("Ferry. " * 3000)), min_size=0, max_size=3))
def test_extract_keeps_offsets_inside_the_text_for_short_long_and_empty_articles(bodies):
    """Whatever comes before it, a plain attributed quote at the end of an article is still found, with its
    speaker; and every offset holds."""
    bodies = [b + ANCHOR for b in bodies]
    table = articles_table(bodies)
    mentions, quotes, rejects = extract_articles(table, CONFIG)
    _anchor_found(table, mentions, quotes, "Marta Oksel")
    text_of = dict(zip(table.column("article_id").to_pylist(), table.column("text").to_pylist()))
    for m in mentions.to_pylist():
        assert text_of[m["article_id"]][m["start_char"]:m["end_char"]] == m["surface"]
    for q in quotes.to_pylist():
        assert 0 <= q["start_char"] < q["end_char"] <= len(text_of[q["article_id"]])
        assert 0.0 <= q["confidence"] <= 1.0
    assert rejects.num_rows == 0


@SLOW
@given(st.lists(french_texts, min_size=1, max_size=3))
def test_french_extract_keeps_offsets_inside_the_text_whatever_the_marks(bodies):
    """The French model and the lexicon's quote rules on scrambled French: unbalanced « », incises with
    nothing around them, frames with no speaker.  Nothing crashes and every offset holds."""
    bodies = [b + FRENCH_ANCHOR for b in bodies]
    table = articles_table(bodies, language="fr")
    mentions, quotes, rejects = extract_articles(table, CONFIG)
    _anchor_found(table, mentions, quotes, "Claire Vasseur")
    text_of = dict(zip(table.column("article_id").to_pylist(), table.column("text").to_pylist()))
    for m in mentions.to_pylist():
        assert text_of[m["article_id"]][m["start_char"]:m["end_char"]] == m["surface"]
    for q in quotes.to_pylist():
        text = text_of[q["article_id"]]
        assert 0 <= q["start_char"] < q["end_char"] <= len(text) and text[q["start_char"]:q["end_char"]] == q["text"]
        if q["speaker_start"] is not None:
            assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker_surface"]
        assert q["method"] == "lexicon_rules" and 0.0 <= q["confidence"] <= 1.0
    assert rejects.num_rows == 0


def test_extract_on_no_articles_and_on_articles_without_quotes():
    mentions, quotes, rejects = extract_articles(articles_table([]), CONFIG)
    assert mentions.num_rows == quotes.num_rows == rejects.num_rows == 0
    _, quotes, _ = extract_articles(articles_table(["The harbour council met in Brennick on Monday. " * 5]), CONFIG)
    assert quotes.num_rows == 0


# ---- resolve-identity ---------------------------------------------------------------------------------------------
people = st.lists(st.tuples(st.sampled_from(["Ilse Dorn", "Dorn", "Piet Dorn", "Oskar Fell", "Fell", "Brennick"]),
                            st.sampled_from(["PERSON", "ORG"])), min_size=1, max_size=12)


@FAST
@given(people)
def test_identity_moves_a_surname_only_to_a_unique_known_person(rows):
    from tasks.identity import resolve_identities
    from tasks.identity.keys import entity_id_for

    mentions = schemas.from_rows([{"article_id": "a", "entity_id": entity_id_for(n, lab), "name": n, "surface": n,
                                   "label": lab, "start_char": 0, "end_char": len(n), "sentence": 0, "run_id": "r"}
                                  for n, lab in rows], schemas.MENTIONS)
    out, quotes = resolve_identities(mentions, schemas.QUOTES.empty_table())
    assert out.num_rows == mentions.num_rows > 0 and quotes.num_rows == 0
    full = {nm for nm, lab in rows if lab == "PERSON" and " " in nm}
    for before, after in zip(mentions.to_pylist(), out.to_pylist()):
        assert after["article_name"] == before["name"]  # what the article said is kept beside the decision
        if after["name"] != before["name"]:  # only a bare surname changes, to the one full name that ends in it
            assert " " not in before["name"] and before["label"] == "PERSON"
            assert after["name"] in {f for f in full if f.endswith(before["name"])}
    lone_with_one_bearer = [n for n, lab in rows if lab == "PERSON" and " " not in n
                            and len({f for f in full if f.endswith(n)}) == 1]
    # a lone surname with exactly one bearer always joins it (one article: a share of 1, no given-name use)
    assert sum(r["name"] != r["article_name"] for r in out.to_pylist()) >= len(lone_with_one_bearer)


# ---- cluster-quotes -----------------------------------------------------------------------------------------------
quote_rows = st.lists(st.tuples(st.sampled_from(["No comment.", "We will rebuild the harbour wall this year",
                                                 "rebuild the harbour wall this year", "Fine", "", "x " * 500]),
                                st.sampled_from([None, "Dorn", "Fell"])), max_size=12)


@FAST
@given(quote_rows, st.booleans())
def test_every_quote_gets_a_cluster_founded_by_one_of_its_members(rows, one_speaker):
    ids = [f"q{i:03d}" for i in range(len(rows))]
    speakers = ["Dorn" if one_speaker else s for _, s in rows]
    new = pa.table({"quote_id": ids, "article_id": [f"a{i % 3}" for i in range(len(rows))],
                    "text": [t for t, _ in rows], "speaker": pa.array(speakers, pa.string()),
                    "speaker_surface": pa.array(speakers, pa.string()),
                    "attribution": ["explicit" if s else "none" for s in speakers]})
    new = new.cast(pa.schema([pa.field(n, pa.string()) for n in new.column_names]))
    earlier = schemas.QUOTES.empty_table().select([*new.column_names, "quote_cluster_id"])
    articles = pa.table({"article_id": ["a0", "a1", "a2"], "language": ["en", None, "en"]})
    clusters = assign_quote_clusters(new, earlier, articles)
    got = dict(zip(clusters.column("quote_id").to_pylist(), clusters.column("quote_cluster_id").to_pylist()))
    assert set(got) == set(ids)
    assert all(got[c] == c for c in got.values())  # a cluster is named by the member that founded it
    quotes = schemas.from_rows([{"quote_id": q, "article_id": "a", "text": t, "start_char": 0, "end_char": 1,
                                 "kind": "direct", "attribution": "none", "confidence": 0.5, "run_id": "r"}
                                for q, (t, _) in zip(got, rows)], schemas.QUOTES)
    assert set_quote_clusters(quotes, clusters).column("quote_cluster_id").to_pylist() == list(got.values())


# ---- aggregate ------------------------------------------------------------------------------------------------
@FAST
@given(st.integers(min_value=0, max_value=4))
def test_aggregates_of_empty_and_small_tables(n):
    articles = articles_table([f"Story {i} about the harbour." for i in range(n)])
    mentions = schemas.from_rows([{"article_id": f"a{i:03d}", "entity_id": "e1", "name": "Brennick",
                                   "surface": "Brennick", "label": "GPE", "start_char": 0, "end_char": 8,
                                   "sentence": 0, "run_id": "r"} for i in range(n)], schemas.MENTIONS)
    tables = {name: schemas.FACT_TABLES[name].empty_table() for name in schemas.FACT_TABLES}
    tables.update(articles=articles, mentions=mentions)
    out = compute_aggregates(tables)
    assert set(out) == set(schemas.AGGREGATES) - {"runs"}
    entities = out["entities"].to_pylist()
    assert (entities == []) if n == 0 else (entities[0]["n_mentions"] == n and entities[0]["n_articles"] == n)


@FAST
@given(st.lists(st.sampled_from(["GPE", "ORG", "PERSON"]), min_size=1, max_size=9))
def test_entities_have_one_label_and_show_the_alternatives_with_counts(labels):
    """One row per entity_id with one label, the most frequent; labels and label_counts list every label its
    mentions carry, and the counts add up to its mentions."""
    from collections import Counter

    articles = articles_table(["A story about the harbour of Tarrow and its council."] * len(labels))
    mentions = schemas.from_rows([{"article_id": f"a{i:03d}", "entity_id": "e1", "name": "Tarrow", "surface": "Tarrow",
                                   "label": lab, "start_char": 0, "end_char": 6, "sentence": 0, "run_id": "r"}
                                  for i, lab in enumerate(labels)], schemas.MENTIONS)
    tables = {name: schemas.FACT_TABLES[name].empty_table() for name in schemas.FACT_TABLES}
    tables.update(articles=articles, mentions=mentions)
    [row] = compute_aggregates(tables)["entities"].to_pylist()
    counts = Counter(labels)
    assert row["label"] == row["labels"][0] == min(counts, key=lambda lab: (-counts[lab], lab))
    assert dict(zip(row["labels"], row["label_counts"])) == counts
    assert sum(row["label_counts"]) == row["n_mentions"] == len(labels)


# ---- fetch ----------------------------------------------------------------------------------------------------
files = st.lists(st.tuples(st.sampled_from([".txt", ".html", ".jsonl", ".pdf", ".txt.gz", ""]),
                           st.one_of(texts.map(str.encode), st.binary(max_size=300))), max_size=6)


@FAST
@given(files)
def test_fetch_accounts_for_every_file_and_a_rerun_takes_nothing_twice(entries):
    """Whatever a folder holds, each file becomes documents or a reject (a JSONL file one per line), never
    nothing; a rerun with what was seen fetches no document again."""
    import gzip
    import tempfile
    from collections import Counter
    from pathlib import Path

    from conftest import fetch_all

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "in"
        raw.mkdir()
        for i, (ext, data) in enumerate(entries):
            path = raw / f"f{i}{ext}"
            path.write_bytes(gzip.compress(data) if ext.endswith(".gz") else data)
        config = make_config(sources=[str(raw)], out=str(Path(tmp) / "out"))
        docs, rejects, _ = fetch_all(config, "r1")
        sources = Counter(s.split("#")[0] for s in docs.column("source").to_pylist() + rejects.column("source").to_pylist())
        for i, (ext, data) in enumerate(entries):
            if not (ext == ".jsonl" and not data.strip()):  # an empty JSONL file holds no line to take
                assert sources[f"f{i}{ext}"] >= 1, (ext, data[:40])
        seen = set(zip(docs.column("source").to_pylist(), docs.column("doc_id").to_pylist()))
        again, _, n_seen = fetch_all(config, "r2", seen)
        assert again.num_rows == 0 and n_seen == docs.num_rows
