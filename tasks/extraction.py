"""entity-extract: mentions and quotes from one spaCy parse per article.

Reads ``articles``: article_id, source, doc_id, text, language, dup_of.
Writes ``mentions`` (see tasks.entities) and ``quotes`` (see tasks.quotes) for original articles
(dup_of null) in a language the model covers; ``rejects`` rows (stage ``extract``) with reason
``unsupported_language`` or ``too_large`` for the others.  Duplicates are skipped without a
reject: they are kept in ``articles`` and point at their original.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.nlp import MAX_CHARS, NLP_BATCH, load_nlp
from newsloom.storage import Store
from newsloom.util import checkpoint, get_logger, merge_part_results, progress, reasons
from tasks.entities import extract_mentions, known_persons, load_aliases, resolve_surnames
from tasks.quotes import extract_quotes

NLP_COLUMNS = ["article_id", "source", "doc_id", "text", "language", "dup_of", "run_id"]


def select_articles(articles: pa.Table, config: Config) -> tuple[pa.Table, pa.Table]:
    """(original articles the model can read, rejects for the originals it cannot)."""
    originals = articles.filter(pc.is_null(articles.column("dup_of")))
    keep, rejects = [], []
    for i, (lang, text) in enumerate(zip(originals.column("language").to_pylist(), originals.column("text").to_pylist())):
        reason = None
        if lang is not None and lang not in config.languages:
            reason, detail = "unsupported_language", f"language {lang!r} not in {config.languages}"
        elif len(text) > MAX_CHARS:
            reason, detail = "too_large", f"{len(text)} characters > {MAX_CHARS}"
        if reason is None:
            keep.append(i)
            continue
        rejects.append({"source": originals.column("source")[i].as_py(), "doc_id": originals.column("doc_id")[i].as_py(),
                        "stage": "extract", "reason": reason, "detail": detail,
                        "run_id": originals.column("run_id")[i].as_py()})
    return originals.take(pa.array(keep, pa.int64())), schemas.from_rows(rejects, schemas.REJECTS)


def extract_mentions_and_quotes(articles: pa.Table, nlp, aliases: dict, run_id: str,
                                batch_size: int = NLP_BATCH) -> tuple[pa.Table, pa.Table]:
    """Parse each article once; return (mentions, quotes) for all of them."""
    pairs = zip(articles.column("text").to_pylist(), articles.column("article_id").to_pylist())
    mentions, quotes = [], []
    # the strings the parse adds to the model's vocabulary (every new token of a real corpus) are freed when
    # the part is done, so a long-lived worker does not grow with the corpus; rows hold plain Python strings
    with nlp.memory_zone():
        for doc, article_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            ms = extract_mentions(doc, article_id, aliases)
            qs = extract_quotes(doc, article_id, ms)
            mentions.extend(ms)
            quotes.extend(qs)
    for r in mentions:
        r["run_id"] = run_id
    for r in quotes:
        r["run_id"] = run_id
    return schemas.from_rows(mentions, schemas.MENTIONS), schemas.from_rows(quotes, schemas.QUOTES)


def extract_part(config: Config, run_id: str, path: str) -> dict:
    """Mentions and quotes for one staged articles part.  The model loads only if there is work,
    and once per process."""
    store = Store.of(config)
    articles = store.read_parquet(path, columns=NLP_COLUMNS)
    todo, rejects = select_articles(articles, config)
    name = Path(path).stem.split("-dedup-")[-1]
    store.stage_part(run_id, "rejects", rejects, f"extract-{name}")
    n_mentions = n_quotes = 0
    if todo.num_rows:
        mentions, quotes = extract_mentions_and_quotes(todo, load_nlp(config.model),
                                                       load_aliases(config.aliases_file), run_id)
        store.stage_part(run_id, "mentions", mentions, f"extract-{name}")
        store.stage_part(run_id, "quotes", quotes, f"extract-{name}")
        checkpoint("entity-extract")
        n_mentions, n_quotes = mentions.num_rows, quotes.num_rows
    progress("entity-extract", articles.num_rows)
    return {"rows_in": articles.num_rows, "rows_out": todo.num_rows, "rejects": reasons(rejects),
            "mentions": n_mentions, "quotes": n_quotes}


extract_part_task = task(extract_part, name="entity-extract-part")


@task(name="entity-extract")
def extract(config: Config, run_id: str, article_parts: list[str]) -> dict:
    """Mentions and quotes for every staged articles part, one after the other."""
    return merge_part_results("entity-extract", [extract_part(config, run_id, p) for p in article_parts])


@task(name="resolve-surnames")
def resolve_surnames_task(config: Config, run_id: str) -> int:
    """The cross-article surname pass over this run's staged mentions and quotes."""
    n = resolve_run_surnames(Store.of(config), run_id)
    get_logger().info(f"resolve-surnames: {n} surname-only mentions tied to a known person")
    return n


def resolve_run_surnames(store: Store, run_id: str) -> int:
    """Second pass over this run's staged mentions and quotes: surname-only persons whose article
    names no full form take the one known person of that surname (from earlier runs' entities and
    this run's full names).  Only names and ids are read for the lookup; parts are rewritten in staging."""
    known = []
    e = store.read_aggregate("entities", columns=["name", "label", "entity_id"])
    if e is not None:
        known.extend(zip(*(e.column(c).to_pylist() for c in ("name", "label", "entity_id"))))
    parts = store.staged_parts(run_id, "mentions")
    for path in parts:
        t = store.read_parquet(path, columns=["name", "label", "entity_id"])
        known.extend(zip(*(t.column(c).to_pylist() for c in ("name", "label", "entity_id"))))
    persons = known_persons(known)
    total = 0
    for path in parts:
        mentions = store.read_parquet(path).to_pylist()
        part = Path(path).stem.split(f"{run_id}-")[1]
        qpath = path.replace("/mentions/part-", "/quotes/part-")
        quotes = store.read_parquet(qpath).to_pylist() if store.exists(qpath) else []
        n = resolve_surnames(mentions, quotes, persons)
        if n:
            store.stage_part(run_id, "mentions", schemas.from_rows(mentions, schemas.MENTIONS), part)
            if quotes:
                store.stage_part(run_id, "quotes", schemas.from_rows(quotes, schemas.QUOTES), part)
        total += n
    return total
