"""A run that only adds rows merges its own aggregates into the stored ones (tasks.aggregate_update): on
generated corpora of several runs, every aggregate after every merge equals, row for row and in order,
the aggregates computed again from every fact row.  No Prefect, no store."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from newsloom import schemas
from tasks.aggregate import QUERIES, compute_aggregates
from tasks.aggregate_update import merge_aggregates

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
# Few values of each kind, so that runs share entities, names, places, statements, sites and days, and
# choices by frequency tie and flip from one run to the next.
ENTITIES = {f"e{i}": ([f"Name {i}", f"Nm {i}"], [f"Surface {i}", f"S{i}"]) for i in range(9)}
PLACES = {"e1": ("g1", 51.5, -0.1, "GB", "city"), "e2": ("g2", 48.9, 2.35, "FR", "city"),
          "e3": ("g3", 46.0, 2.0, "FR", "country")}
LABELS = ("PERSON", "ORG", "GPE")
LANGUAGES = ("en", "fr", None)
SITES = ("Harbor Watch", "The Dunmere Ledger", None)
CLUSTERS = {f"c{i}": [f"statement {i}", f"statement {i} as reworded", f"st {i}"] for i in range(6)}
NOT_READ = ("no_model_for_language", "too_large")


class Corpus:
    """Fact rows of consecutive runs, each run adding its own articles (some duplicates of earlier ones)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.articles: list[dict] = []
        self.n = 0

    def run(self, run_id: str, n_articles: int) -> dict[str, list[dict]]:
        rows = {name: [] for name in ("documents", "articles", "mentions", "quotes", "rejects")}
        for _ in range(n_articles):
            self._article(run_id, rows)
        self.articles += rows["articles"]
        return rows

    def _article(self, run_id: str, rows: dict) -> None:
        rng, i = self.rng, self.n
        self.n += 1
        old = [a for a in self.articles if a["dup_of"] is None]
        # a document fetched again under another source: dated by its first fetch
        doc_id = rng.choice(old)["doc_id"] if old and rng.random() < 0.1 else f"d{i}"
        fetched = START + timedelta(days=2 * int(run_id[1:]) + rng.randrange(2), hours=rng.randrange(24))  # runs in turn
        source = f"src/{i}.html"
        rows["documents"].append({"doc_id": doc_id, "source": source, "fetched_at": fetched,
                                  "media_type": "text/html", "content": b"x", "run_id": run_id})
        dup_of = rng.choice(old)["article_id"] if old and rng.random() < 0.15 else None
        published = START + timedelta(days=rng.randrange(20), hours=rng.randrange(24)) if rng.random() < 0.7 else None
        article = {"article_id": f"a{i}", "doc_id": doc_id, "source": source, "text": "t", "n_words": 1,
                   "text_hash": f"h{i}", "run_id": run_id, "language": rng.choice(LANGUAGES), "site": rng.choice(SITES),
                   "published_at": published, "dup_of": dup_of, "focus_geonameid": None}
        rows["articles"].append(article)
        if dup_of is not None:
            return
        mentions = [self._mention(article, k, run_id) for k in range(rng.randrange(6))]
        places = [m["geonameid"] for m in mentions if m.get("geonameid") is not None]
        article["focus_geonameid"] = rng.choice(places) if places else None
        rows["mentions"] += mentions
        rows["quotes"] += [self._quote(article, k, run_id) for k in range(rng.randrange(4))]
        if rng.random() < 0.1:
            rows["rejects"].append({"source": source, "doc_id": doc_id, "stage": "extract", "run_id": run_id,
                                    "reason": rng.choice(NOT_READ)})

    def _mention(self, article: dict, k: int, run_id: str) -> dict:
        rng = self.rng
        entity = rng.choice(sorted(ENTITIES))
        names, surfaces = ENTITIES[entity]
        place = PLACES.get(entity) if rng.random() < 0.8 else None
        start = rng.randrange(200)
        row = {"article_id": article["article_id"], "entity_id": entity, "name": rng.choice(names),
               "surface": rng.choice(surfaces), "label": rng.choice(LABELS), "start_char": start,
               "end_char": start + 5, "sentence": 0, "run_id": run_id}
        if place is not None:
            row.update(zip(("geonameid", "lat", "lon", "country_code", "place_feature"), place))
        return row

    def _quote(self, article: dict, k: int, run_id: str) -> dict:
        rng = self.rng
        cluster = rng.choice(sorted(CLUSTERS))
        speaker = rng.choice(sorted(ENTITIES)) if rng.random() < 0.8 else None
        name = rng.choice(ENTITIES[speaker][0]) if speaker is not None else None
        start = rng.randrange(150)
        return {"quote_id": f"{article['article_id']}q{k}", "article_id": article["article_id"],
                "text": rng.choice(CLUSTERS[cluster]), "start_char": start, "end_char": start + 60, "kind": "direct",
                "attribution": "said", "confidence": 0.9, "run_id": run_id, "speaker": name,
                "speaker_entity_id": speaker, "quote_cluster_id": cluster if rng.random() < 0.95 else None}


def tables_of(rows: dict[str, list[dict]]) -> dict[str, pa.Table]:
    return {name: schemas.from_rows(r, schemas.FACT_TABLES[name]) for name, r in rows.items()}


def whole_aggregates(runs: list[dict[str, list[dict]]]) -> dict[str, pa.Table]:
    every = {name: [row for run in runs for row in run[name]] for name in runs[0]}
    return compute_aggregates(tables_of(every))


@pytest.mark.parametrize("seed", range(6))
def test_merging_each_runs_own_aggregates_equals_aggregating_every_row(seed):
    corpus = Corpus(seed)
    runs = [corpus.run("r0", 12)]
    stored = whole_aggregates(runs)
    for k in range(1, 6):
        runs.append(corpus.run(f"r{k}", corpus.rng.randrange(1, 8)))
        documents = tables_of({"documents": [d for run in runs for d in run["documents"]]})["documents"]
        added = {name: t for name, t in tables_of(runs[-1]).items() if name != "documents"}
        stored = merge_aggregates(added, documents.select(["doc_id", "fetched_at"]), stored)
        whole = whole_aggregates(runs)
        for name in QUERIES:
            assert stored[name].to_pylist() == whole[name].to_pylist(), (seed, k, name)
    assert stored["entities"].num_rows and stored["quote_clusters"].num_rows and stored["places"].num_rows
    assert stored["speaker_mentions"].num_rows and stored["cooccurrence"].num_rows


def test_a_run_with_no_rows_of_a_kind_leaves_those_aggregates_as_they_were():
    corpus = Corpus(99)
    runs = [corpus.run("r0", 10)]
    stored = whole_aggregates(runs)
    runs.append({name: [] for name in runs[0]})
    empty = {name: schemas.FACT_TABLES[name].empty_table() for name in ("articles", "mentions", "quotes", "rejects")}
    documents = tables_of({"documents": runs[0]["documents"]})["documents"].select(["doc_id", "fetched_at"])
    merged = merge_aggregates(empty, documents, stored)
    assert all(merged[name].to_pylist() == stored[name].to_pylist() for name in QUERIES)
