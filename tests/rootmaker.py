"""Output roots of many small committed runs, written through the real Store (stage, commit), with fictional
rows: what the compaction tests merge.  Each run stages one fetch part in every fact table that shares part
names, and a rejects part."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from newsloom import schemas
from newsloom.storage import Store

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
# the part key each table is staged under, as the pipeline stages it: rejects by stage, the content words of
# the run's quotes by the cluster-quotes stage's whole phase; every other table by fetch part
PART_KEYS = {"rejects": "fetch-00000", "_statements": "run"}


def run_tables(run_id: str, i: int, n_articles: int) -> dict:
    """The fact tables of one small run: ``n_articles`` articles, with a mention and a quote each."""
    at = START + timedelta(hours=i)
    ids = [f"a{i:05d}-{j}" for j in range(n_articles)]
    rows = {
        "documents": [{"doc_id": f"d-{a}", "source": f"feed/{a}.html", "fetched_at": at, "media_type": "text/html",
                       "content": b"<p>Council met.</p>", "run_id": run_id} for a in ids],
        "articles": [{"article_id": a, "doc_id": f"d-{a}", "source": f"feed/{a}.html", "text": "Council met.",
                      "n_words": 2, "text_hash": f"h-{a}", "run_id": run_id} for a in ids],
        "mentions": [{"article_id": a, "entity_id": "e-mara-voss", "name": "Mara Voss", "surface": "Voss",
                      "label": "PERSON", "start_char": 10 + k, "end_char": 14 + k, "sentence": 0, "run_id": run_id}
                     for a in ids for k in (0, 40)],
        "quotes": [{"quote_id": f"q-{a}", "article_id": a, "text": "the bridge opens in May", "start_char": 20,
                    "end_char": 43, "kind": "direct", "attribution": "said", "confidence": 0.9, "run_id": run_id}
                   for a in ids],
        "_signatures": [{"article_id": a, "text_hash": f"h-{a}", "signature": b"\x01\x02\x03", "run_id": run_id}
                        for a in ids],
        "_statements": [{"quote_id": f"q-{a}", "words": ["bridg", "may", "open"], "plain": ["bridg", "open"],
                         "rule": "r", "run_id": run_id} for a in ids],
    }
    tables = {name: schemas.from_rows(r, schemas.FACT_TABLES[name]) for name, r in rows.items()}
    tables["rejects"] = schemas.from_rows([{"source": f"feed/bad-{i}.pdf", "stage": "fetch", "reason": "unsupported_type",
                                            "run_id": run_id}], schemas.REJECTS)
    return tables


def commit_runs(store: Store, first: int, n_runs: int, n_articles: int = 4) -> list[str]:
    """Commit ``n_runs`` small runs (numbered from ``first``); return their ids."""
    ids = []
    for i in range(first, first + n_runs):
        run_id = (START + timedelta(hours=i)).strftime("%Y%m%dT%H%M%SZ") + f"-{i:06x}"
        for name, table in run_tables(run_id, i, n_articles).items():
            store.stage_part(run_id, name, table, PART_KEYS.get(name, "00000"))
        store.commit(run_id, {"started_at": (START + timedelta(hours=i)).isoformat(), "n_articles": n_articles})
        ids.append(run_id)
    return ids


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    """Every committed row of every fact table, through the Store, in one order (to compare row for row)."""
    out = {}
    for name in schemas.FACT_TABLES:
        df = store.read_table(name).to_pandas()
        out[name] = df.astype(str).sort_values(list(df.columns)).reset_index(drop=True)
    return out


def folder_rows(root, table: str) -> pd.DataFrame:
    """A table as an analyst reads it: pandas over the folder, in the same order as ``snapshot``."""
    df = pd.read_parquet(f"{root}/{table}")
    return df.astype(str).sort_values(list(df.columns)).reset_index(drop=True)
