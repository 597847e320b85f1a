"""entity-extract: mentions and quotes from one spaCy parse per article.

Reads ``articles``: article_id, source, doc_id, text, language, dup_of.
Writes ``mentions`` (see tasks.extract.entities) and ``quotes`` (see tasks.extract.quotes) for original articles
(dup_of null) in a language the model covers; ``rejects`` rows (stage ``extract``) with reason
``unsupported_language`` or ``too_large`` for the others.  Duplicates are skipped without a
reject: they are kept in ``articles`` and point at their original.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
from newsloom.config import Config
from newsloom.nlp import MAX_CHARS, NLP_BATCH, load_nlp
from newsloom.rejects import reject
from newsloom.stage import Stage
from tasks.extract.entities import extract_mentions, load_aliases
from tasks.extract.quotes import extract_quotes

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
        rejects.append(reject("extract", originals.column("source")[i].as_py(), reason, detail,
                              originals.column("run_id")[i].as_py(), originals.column("doc_id")[i].as_py()))
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


def extract_articles(articles: pa.Table, config: Config) -> tuple[pa.Table, pa.Table, pa.Table]:
    """articles -> (mentions, quotes, rejects).  The model loads only if there is work, and once per process."""
    todo, rejects = select_articles(articles, config)
    if not todo.num_rows:
        return schemas.MENTIONS.empty_table(), schemas.QUOTES.empty_table(), rejects
    run_id = todo.column("run_id")[0].as_py()
    mentions, quotes = extract_mentions_and_quotes(todo, load_nlp(config.model), load_aliases(config.aliases_file),
                                                   run_id)
    return mentions, quotes, rejects


def _extract_part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes, rejects = extract_articles(inputs["articles"], config)
    return {"mentions": mentions, "quotes": quotes, "rejects": rejects}


STAGE = Stage(
    name="entity-extract",
    reads={"articles": NLP_COLUMNS},
    writes=("mentions", "quotes", "rejects"),
    part=_extract_part,
    parts_of="articles",
)
