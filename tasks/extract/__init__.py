"""entity-extract: mentions and quotes from one spaCy parse per article.

Reads ``articles`` (every column).
Writes ``mentions`` (see tasks.extract.entities; place mentions resolved by tasks.places), ``quotes`` (see
tasks.quotes) and ``articles`` again (with their focus place, tasks.places) for original articles
(dup_of null) in a language a model serves (newsloom.models: one spaCy model per language, each loaded by
a worker the first time one of its articles needs it); ``rejects`` rows (stage ``extract``) with reason
``no_model_for_language``, ``unsupported_language`` (outside the ``languages`` setting) or ``too_large``
for the others, and ``no_lexicon_for_language`` where a model serves a language that has no
``newsloom/lang/<code>.json`` (its mentions are kept, it has no quotes).  Duplicates are skipped without a
reject: they are kept in ``articles`` and point at their original.  Quotes in English are found with the
trained attribution tagger; in other languages with the lexicon's rules (tasks.quotes.lexical).
"""
from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
from newsloom.config import Config
from newsloom.lang import LanguagePack, pack_for
from newsloom.models import model_for, model_language, model_registry, suggested_package
from newsloom.nlp import MAX_CHARS, NLP_BATCH, dictionary_of, doc_text, load_nlp
from newsloom.prose import is_prose
from newsloom.rejects import reject
from newsloom.stage import Stage
from tasks.extract.casing import text_for_model
from tasks.extract.entities import extract_mentions
from tasks.identity.keys import load_aliases
from tasks.places import locate_places
from tasks.places.gazetteer import load_gazetteer
from tasks.quotes import finder_for, needs_tagger
from tasks.quotes.model import load_tagger

REJECT_STAGE = "extract"  # the contract's name for this stage in rejects.stage (CONTRACT.md)


def fallback_language(languages: list[str | None], registry: dict[str, str]) -> str | None:
    """The language an article the detector could not decide is read in: the most frequent decided language
    among the part's articles that a model serves (a part holds up to batch_size articles of one run), else
    the language of the model that serves unknown text (newsloom.models.model_for); None where none does."""
    served = Counter(lang for lang in languages if lang is not None and model_for(registry, lang) is not None)
    if served:
        return min(served, key=lambda lang: (-served[lang], lang))
    model = model_for(registry, None)
    return model_language(model) if model is not None else None


def select_articles(articles: pa.Table, config: Config) -> tuple[pa.Table, pa.Table]:
    """(original articles a model can read, with the fallback language where the detector could not decide;
    rejects for the originals none can read)."""
    originals = articles.filter(pc.is_null(articles.column("dup_of")))
    registry = model_registry(config.model)
    decided = originals.column("language").to_pylist()
    fallback = fallback_language(decided, registry)
    languages = [lang or fallback for lang in decided]
    originals = originals.set_column(originals.schema.get_field_index("language"), "language",
                                     pa.array(languages, pa.string()))
    keep, rejects = [], []
    for i, (lang, text) in enumerate(zip(languages, originals.column("text").to_pylist())):
        reason = None
        if lang is not None and config.languages is not None and lang not in config.languages:
            reason, detail = "unsupported_language", f"language {lang!r} not in {config.languages}"
        elif model_for(registry, lang) is None:
            reason = "no_model_for_language"
            detail = (f"language {lang!r}: no spaCy model serves it; install {suggested_package(lang)}" if lang
                      else "the language could not be told and no spaCy model is installed")
        elif len(text) > MAX_CHARS:
            reason, detail = "too_large", f"{len(text)} characters > {MAX_CHARS}"
        if reason is None:
            keep.append(i)
            continue
        rejects.append(reject(REJECT_STAGE, originals.column("source")[i].as_py(), reason, detail,
                              originals.column("run_id")[i].as_py(), originals.column("doc_id")[i].as_py()))
    return originals.take(pa.array(keep, pa.int64())), schemas.from_rows(rejects, schemas.REJECTS)


def extract_mentions_and_quotes(articles: pa.Table, nlp, aliases: dict, run_id: str, pack: LanguagePack,
                                batch_size: int = NLP_BATCH, tagger=None) -> tuple[pa.Table, pa.Table]:
    """Parse each article (all in the language of ``pack``) once; return (mentions, quotes) for all of them.
    The model reads the text with its headlines re-cased (``tasks.extract.casing``); every surface and
    quoted text in the rows is the article's own, at the same offsets.  Quotes come from the quote
    finder the pack names (none for a pack without one)."""
    texts = articles.column("text").to_pylist()
    dictionary = dictionary_of(nlp)
    pairs = ((text_for_model(t, pack, dictionary), i) for i, t in enumerate(texts))
    ids = articles.column("article_id").to_pylist()
    find_quotes = finder_for(pack)
    mentions, quotes = [], []
    # the strings the parse adds to the model's vocabulary (every new token of a real corpus) are freed when
    # the part is done, so a long-lived worker does not grow with the corpus; rows hold plain Python strings
    with nlp.memory_zone():
        for doc, i in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            ms = [m for m in extract_mentions(doc, ids[i], aliases, pack, dictionary) if not is_table_code(texts[i], m)]
            qs = find_quotes(doc, ids[i], ms, pack, tagger) if find_quotes is not None else []
            if doc_text(doc) != texts[i]:
                as_written(texts[i], ms, qs)
            mentions.extend(ms)
            quotes.extend(qs)
    for r in mentions:
        r["run_id"] = run_id
    for r in quotes:
        r["run_id"] = run_id
        r["speaker_article_entity_id"] = r.get("speaker_entity_id")
    return schemas.from_rows(mentions, schemas.MENTIONS), schemas.from_rows(quotes, schemas.QUOTES)


def is_table_code(text: str, m: dict) -> bool:
    """A name in capitals that the model calls an organisation, on a line that is not prose (a table, a
    results heading): a column heading or a code ("W L T GF GA", "PTS"), not an organisation.  Judged on
    the article's own text, where the model read a title-cased copy.  Measured on CoNLL DEV's first half:
    such mentions were right 5 times and wrong 55 times."""
    surface = text[m["start_char"]:m["end_char"]]  # as the article writes it, not as the model read it
    if m["label"] != "ORG" or not surface.isupper():
        return False
    start = text.rfind("\n", 0, m["start_char"]) + 1
    end = text.find("\n", m["start_char"])
    return not is_prose(text[start:end if end >= 0 else len(text)])


def as_written(text: str, mentions: list[dict], quotes: list[dict]) -> None:
    """Surfaces and quoted words as the article writes them (the parse read some lines title-cased)."""
    for m in mentions:
        m["surface"] = text[m["start_char"]:m["end_char"]]
    for q in quotes:
        q["text"] = text[q["start_char"]:q["end_char"]]
        if q.get("speaker_start") is not None:
            q["speaker_surface"] = text[q["speaker_start"]:q["speaker_end"]]


def extract_articles(articles: pa.Table, config: Config) -> tuple[pa.Table, pa.Table, pa.Table]:
    """articles -> (mentions, quotes, rejects).  A language's model loads only if there is work for it, and
    once per process; the articles of each language are parsed by their own model, in one pass."""
    todo, rejects = select_articles(articles, config)
    if not todo.num_rows:
        return schemas.MENTIONS.empty_table(), schemas.QUOTES.empty_table(), rejects
    run_id = todo.column("run_id")[0].as_py()
    registry = model_registry(config.model)
    langs = todo.column("language").to_pylist()  # every one decided or given its fallback by select_articles
    mentions, quotes, more = [], [], []
    for lang in sorted(set(langs)):
        part = todo.take(pa.array([i for i, x in enumerate(langs) if x == lang], pa.int64()))
        pack = pack_for(lang)
        if not pack.has_lexicon:
            more += [reject(REJECT_STAGE, src, "no_lexicon_for_language",
                            f"language {lang!r}: mentions only; add newsloom/lang/{lang}.json for quotes", run_id, doc)
                     for src, doc in zip(part.column("source").to_pylist(), part.column("doc_id").to_pylist())]
        tagger = load_tagger(config.quote_model, config.quote_tagger) if needs_tagger(pack) else None
        ms, qs = extract_mentions_and_quotes(part, load_nlp(model_for(registry, lang)),
                                             load_aliases(config.aliases_file), run_id, pack, tagger=tagger)
        mentions.append(ms)
        quotes.append(qs)
    if more:
        rejects = pa.concat_tables([rejects, schemas.from_rows(more, schemas.REJECTS)])
    return pa.concat_tables(mentions), pa.concat_tables(quotes), rejects


def extract_and_locate(articles: pa.Table, config: Config) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """The stage's whole work on one part: (mentions with their places, quotes, rejects, articles with their
    focus).  Places (tasks.places) run unless the ``places`` setting is off."""
    mentions, quotes, rejects = extract_articles(articles, config)
    if config.places:
        articles, mentions = locate_places(articles, mentions, load_gazetteer(config.places_min_population))
    return mentions, quotes, rejects, articles


def _extract_part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes, rejects, articles = extract_and_locate(inputs["articles"], config)
    return {"mentions": mentions, "quotes": quotes, "rejects": rejects, "articles": articles}


def _count_places(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    """How many mentions were resolved to a place, and how many articles got a focus."""
    mentions, articles = outputs["mentions"], outputs["articles"]
    return {"places_resolved": mentions.num_rows - mentions.column("geonameid").null_count,
            "articles_with_focus": articles.num_rows - articles.column("focus_geonameid").null_count}


STAGE = Stage(
    name="entity-extract",
    rejects_as=REJECT_STAGE,
    reports={"n_mentions": "rows_out", "n_quotes": "quotes"},
    # every column: the part's articles are written again with their focus place (tasks.places)
    reads={"articles": None},
    writes=("mentions", "quotes", "rejects", "articles"),
    count=_count_places,
    part=_extract_part,
    parts_of="articles",
)
