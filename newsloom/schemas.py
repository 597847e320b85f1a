"""Every table's schema, declared once (see CONTRACT.md in the shared folder).

Each field carries a description in its metadata.  ``conform`` is called on every
write: it orders the columns, casts compatible types and raises on anything that
does not fit, so a table on disk always matches its declared schema.
"""
from __future__ import annotations

import pyarrow as pa

from newsloom.schema_history import SCHEMA_HISTORY

# The version written into every file's metadata: the last one the history lists.
SCHEMA_VERSION = max(SCHEMA_HISTORY, key=int)

TS = pa.timestamp("us", tz="UTC")


def _f(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def _schema(table: str, *fields: pa.Field, row: str = "") -> pa.Schema:
    """A table's schema; ``row`` says what one row is (rendered in the README by newsloom.interfaces.contract)."""
    return pa.schema(list(fields), metadata={"newsloom.table": table, "newsloom.schema_version": SCHEMA_VERSION,
                                             "newsloom.row": row})


DOCUMENTS = _schema(
    "documents",
    _f("doc_id", pa.string(), "sha256 of the raw bytes (hex, 32 chars)", False),
    _f("source", pa.string(), "URL, or path relative to the input root; '#id' appended for a JSONL line", False),
    _f("fetched_at", TS, "when the input was read", False),
    _f("media_type", pa.string(), "text/html, text/plain, application/x-ndjson, ...", False),
    _f("content", pa.binary(), "raw bytes as fetched", False),
    _f("http_status", pa.int16(), "HTTP status; null for local files"),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    _f("url", pa.string(), "the URL the content came from, after redirects; null for local files"),
    _f("charset", pa.string(), "charset declared by the HTTP Content-Type header, where given"),
    _f("listed_at", TS, "publication time given by the feed or sitemap that listed the URL"),
    _f("via", pa.string(), "the feed, sitemap, URL list or WARC file the document was found through"),
    row='input read (a file, a JSONL line, a URL, a WARC record)',
)

ARTICLES = _schema(
    "articles",
    _f("article_id", pa.string(), "stable id: hash of source and doc_id", False),
    _f("doc_id", pa.string(), "the document the article came from", False),
    _f("url", pa.string(), "canonical URL where known"),
    _f("source", pa.string(), "as in documents", False),
    _f("site", pa.string(), "outlet name or host"),
    _f("title", pa.string(), "headline"),
    _f("author", pa.string(), "byline"),
    _f("published_at", TS, "publication time (midnight UTC when only the day is known)"),
    _f("date_source", pa.string(), "metadata, text or url: where the date was found"),
    _f("published_date", pa.date32(), "the publication day as the page prints it, in the outlet's own time zone "
       "(published_at is the instant in UTC, which can fall on the next or previous day)"),
    _f("date_evidence", pa.string(), "every source that gave the chosen date, '+'-joined (ld_published_article, "
       "meta_modified, time_updated, url, ...; tasks.clean.candidates); null when no ranker chose it"),
    _f("title_source", pa.string(), "where the headline came from (h1_first, og_title, title_tag, trafilatura, ...)"),
    _f("author_source", pa.string(), "where the byline came from (ld_author_person_article, meta_author, "
       "byline_element, label_byline, trafilatura, ...); null with a null author"),
    _f("language", pa.string(), "ISO 639-1 code; null where the prose is too short or the detector unsure "
       "(entity-extract reads such an article in its part's majority language)"),
    _f("text", pa.string(), "clean main text, paragraphs separated by a blank line", False),
    _f("n_words", pa.int32(), "number of words in text", False),
    _f("text_hash", pa.string(), "hash of the normalised text: the exact-duplicate key", False),
    _f("dup_of", pa.string(), "article_id of the earlier article this one duplicates; null for an original"),
    _f("dup_similarity", pa.float32(), "estimated Jaccard similarity to dup_of"),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    row='document that yielded an article',
)

MENTIONS = _schema(
    "mentions",
    _f("article_id", pa.string(), "the article", False),
    _f("entity_id", pa.string(), "one id per real-world entity, in every article and run", False),
    _f("name", pa.string(), "the entity's canonical name", False),
    _f("surface", pa.string(), "the words as written (after trimming titles, possessives, punctuation)", False),
    _f("label", pa.string(), "PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, ...", False),
    _f("start_char", pa.int32(), "offset of surface in articles.text", False),
    _f("end_char", pa.int32(), "end offset (exclusive)", False),
    _f("sentence", pa.int32(), "index of the sentence in the article", False),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    _f("label_score", pa.float32(), "0 to 1: the share of the article's evidence (the model's label, context cues) "
       "that backs the label; 1 for names from the alias table; weighs the mention in the corpus-wide label vote "
       "(null in rows written before schema 4)"),
    _f("article_entity_id", pa.string(), "the entity_id the article's own evidence gives the mention, before the "
       "corpus-wide identity stage (null in rows written before schema 6)"),
    _f("article_name", pa.string(), "the canonical name the article's own evidence gives (a surname alone where the "
       "article never names the full name; null before schema 6)"),
    _f("article_label", pa.string(), "the label the article's own evidence settles, before the corpus-wide vote "
       "(null before schema 6)"),
    _f("title", pa.string(), "PERSON only: the title written right before the name, the one nearest it ('Mrs.', "
       "'Sen.', 'Secretary of State'), as evidence of who is meant; never part of name or surface (null without "
       "one, and before schema 7)"),
    _f("title_gender", pa.string(), "'female' or 'male' where the title says it ('Mrs.', 'Mr.'; the language "
       "pack's gendered_titles), else null"),
    row='entity mention in an original article',
)

QUOTES = _schema(
    "quotes",
    _f("quote_id", pa.string(), "hash of article_id and span", False),
    _f("article_id", pa.string(), "the article", False),
    _f("text", pa.string(), "the quoted words, without quotation marks", False),
    _f("start_char", pa.int32(), "offset of text in articles.text", False),
    _f("end_char", pa.int32(), "end offset (exclusive)", False),
    _f("kind", pa.string(), "direct (inside quotation marks) or indirect (reported speech, which may hold quoted "
       "words: Dorn said the plan was “dead in the water”)", False),
    _f("speaker", pa.string(), "canonical name of who said it; null when unknown"),
    _f("speaker_entity_id", pa.string(), "entity_id of the speaker, joinable to mentions and entities"),
    _f("speaker_surface", pa.string(), "the speaker as written where the quote is attributed"),
    _f("speaker_start", pa.int32(), "offset of speaker_surface in the text"),
    _f("speaker_end", pa.int32(), "end of speaker_surface"),
    _f("cue", pa.string(), "lemma of the reporting verb: say, tell, add, ..."),
    _f("attribution", pa.string(), "explicit, pronoun, continuation or none", False),
    _f("confidence", pa.float32(), "0 to 1, calibrated: among quotes near confidence c, about c have the right "
       "span and speaker (docs/quote-model.md)", False),
    _f("utterance_id", pa.string(), "shared by the spans of one interrupted or multi-paragraph quote "
       "(null in rows written before schema 1)"),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    _f("quote_cluster_id", pa.string(), "the statement this quote reports, shared by every outlet's (possibly "
       "shortened) version of it; joins quote_clusters.cluster_id (null in rows written before schema 2)"),
    _f("method", pa.string(), "what found the span: quotation_marks (the rule for quotation marks) or the "
       "attribution model's name, e.g. crf_attribution_v1 (null in rows written before schema 4)"),
    _f("speaker_article_entity_id", pa.string(), "the speaker's article_entity_id in mentions: the id the article "
       "alone gives, from which the identity stage re-derives speaker_entity_id (null before schema 6)"),
    row='quotation in an original article',
)

REJECTS = _schema(
    "rejects",
    _f("source", pa.string(), "the input as in documents.source", False),
    _f("doc_id", pa.string(), "the document, where one was read"),
    _f("stage", pa.string(), "fetch, clean, deduplicate or extract", False),
    _f("reason", pa.string(), "snake_case constant: http_error, empty_text, unsupported_type, ...", False),
    _f("detail", pa.string(), "the error message or figure behind the reason"),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    row='input or article dropped, with its stage and reason',
)

# Internal: MinHash signatures of every original article, so that later runs dedupe against earlier ones.
SIGNATURES = _schema(
    "signatures",
    _f("article_id", pa.string(), "the article", False),
    _f("text_hash", pa.string(), "exact-duplicate key", False),
    _f("signature", pa.binary(), "MinHash hash values (datasketch affine32 scheme, seed 1), uint32 little-endian", False),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    row="original article's MinHash signature (internal)",
)

# Internal: what each feed or sitemap returned, for conditional GET (ETag, Last-Modified) and schedule hints.
FEEDS = _schema(
    "feeds",
    _f("url", pa.string(), "the feed or sitemap URL (canonical)", False),
    _f("kind", pa.string(), "feed or sitemap", False),
    _f("fetched_at", TS, "when it was requested", False),
    _f("http_status", pa.int16(), "status of the last response (304: not modified)"),
    _f("etag", pa.string(), "ETag of the last full response"),
    _f("last_modified", pa.string(), "Last-Modified of the last full response"),
    _f("n_items", pa.int64(), "article or sitemap URLs it listed (0 when not modified)", False),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    row='poll of a feed or sitemap (internal)',
)

# ---- scratch tables: between the stages of one run, under _staging/<run_id>/, never committed ----------
# The clean stage's articles, before the deduplicate stage decides dup_of.
CLEAN = _schema("_clean", *ARTICLES, row='article before deduplication (scratch)')

MINHASH = _schema(
    "_minhash",
    _f("article_id", pa.string(), "the article", False),
    _f("source", pa.string(), "as in articles: the last tie-break of which copy is the original", False),
    _f("published_at", TS, "publication time: earlier copies are originals"),
    _f("text_hash", pa.string(), "exact-duplicate key", False),
    _f("signature", pa.binary(), "MinHash hash values, as in _signatures", False),
    _f("run_id", pa.string(), "the run that wrote the row", False),
    row='article of the run with its signature (scratch)',
)

DUPS = _schema(
    "_dups",
    _f("article_id", pa.string(), "an article of this run", False),
    _f("dup_of", pa.string(), "the earlier original it duplicates; null for an original"),
    _f("dup_similarity", pa.float32(), "estimated Jaccard similarity to dup_of"),
    _f("known", pa.bool_(), "already in articles from an earlier run: not written again", False),
    row='deduplication decision for an article of the run (scratch)',
)

IDENTITY = _schema(
    "_identity",
    _f("article_entity_id", pa.string(), "the id the article alone gives (mentions.article_entity_id)", False),
    _f("article_name", pa.string(), "the name the article alone gives (mentions.article_name)", False),
    _f("article_label", pa.string(), "the label the article alone settles (mentions.article_label)", False),
    _f("article_cue", pa.string(), "for a surname alone: the titles and gender the article writes before it "
       "('female|mrs'), which narrow the bearers it may join; null otherwise"),
    _f("entity_id", pa.string(), "the entity the corpus says it is", False),
    _f("name", pa.string(), "that entity's canonical name", False),
    _f("label", pa.string(), "that entity's label after the corpus-wide vote", False),
    row='identity decision for one name an article gives, over the whole corpus (scratch)',
)

STALE = _schema(
    "_stale",
    _f("part", pa.string(), "file name of a committed mentions part that an identity decision of this run revises",
       False),
    row='committed part the identity stage rewrites (scratch)',
)

RECLUSTERED = _schema(
    "_reclustered",
    _f("part", pa.string(), "file name of a committed quotes part holding a quote that the clustering rule moves "
       "to another cluster", False),
    row='committed part the cluster-quotes stage rewrites (scratch)',
)

CLUSTERS = _schema(
    "_clusters",
    _f("quote_id", pa.string(), "a quote of this run, or a committed quote the rule moves", False),
    _f("quote_cluster_id", pa.string(), "the cluster it joins", False),
    row='quote of the run (or moved committed quote) and its cluster (scratch)',
)

ENTITIES = _schema(
    "entities",
    _f("entity_id", pa.string(), "entity id", False),
    _f("name", pa.string(), "canonical name", False),
    _f("label", pa.string(), "most frequent label", False),
    _f("aliases", pa.list_(pa.string()), "surfaces seen, most frequent first"),
    _f("alias_counts", pa.list_(pa.int64()), "mentions per alias, in the order of aliases"),
    _f("labels", pa.list_(pa.string()), "every label its mentions carry, most frequent first: label is the first; "
       "the others are what the model or the vote said elsewhere (null in files written before schema 3)"),
    _f("label_counts", pa.list_(pa.int64()), "mentions per label, in the order of labels"),
    _f("languages", pa.list_(pa.string()), "languages of the articles that mention it, most mentions first (an "
       "entity spans languages only where its name is written alike, or through the alias table: Russie, Russia)"),
    _f("n_mentions", pa.int64(), "mentions in original articles", False),
    _f("n_articles", pa.int64(), "original articles that mention it", False),
    _f("n_quotes", pa.int64(), "quotes it is the speaker of", False),
    _f("first_seen", TS, "earliest article date (published, else fetched)"),
    _f("last_seen", TS, "latest article date (published, else fetched)"),
    row='entity',
)

ENTITY_DAILY = _schema(
    "entity_daily",
    _f("date", pa.date32(), "the article's day: as it prints it (articles.published_date), else the UTC day of "
       "published_at, else of the fetch", False),
    _f("entity_id", pa.string(), "entity id", False),
    _f("n_mentions", pa.int64(), "mentions that day", False),
    _f("n_articles", pa.int64(), "articles that day", False),
    row='entity and day',
)

COOCCURRENCE = _schema(
    "cooccurrence",
    _f("entity_a", pa.string(), "entity id, the smaller of the pair", False),
    _f("entity_b", pa.string(), "entity id, the larger of the pair", False),
    _f("n_articles", pa.int64(), "original articles that mention both", False),
    row='pair of entities in one article',
)

SPEAKERS = _schema(
    "speakers",
    _f("entity_id", pa.string(), "speaker entity id", False),
    _f("name", pa.string(), "canonical name", False),
    _f("n_quotes", pa.int64(), "quotes attributed", False),
    _f("n_articles", pa.int64(), "articles quoting them", False),
    _f("first_quoted", TS, "earliest article date with a quote"),
    _f("last_quoted", TS, "latest article date with a quote"),
    row='quoted entity',
)

QUOTE_CLUSTERS = _schema(
    "quote_clusters",
    _f("cluster_id", pa.string(), "quote_cluster_id: the quote_id of the quote that founded the cluster (the "
       "longest version in the run that first saw the statement); it never changes as later runs add members",
       False),
    _f("text", pa.string(), "canonical text: the most frequent wording, the longest on a tie", False),
    _f("speaker", pa.string(), "canonical name of the speaker, where known"),
    _f("entity_id", pa.string(), "speaker entity_id, where known"),
    _f("speakers", pa.list_(pa.string()), "every known speaker of its members, most quotes first: more than one "
       "only where the words are near-identical, or the names share a surname (docs/analysts.md)", False),
    _f("n_quotes", pa.int64(), "quotes in the cluster", False),
    _f("n_articles", pa.int64(), "original articles that carry it", False),
    _f("n_sites", pa.int64(), "distinct sites that carry it (an article without a site counts by its source)", False),
    _f("first_seen", TS, "earliest article date (published, else fetched)"),
    _f("first_site", pa.string(), "the site (else source) of the earliest article; on a tie, the first by name"),
    _f("last_seen", TS, "latest article date"),
    row="quoted statement (every outlet's version of it)",
)

SPEAKER_MENTIONS = _schema(
    "speaker_mentions",
    _f("speaker_entity_id", pa.string(), "the speaker", False),
    _f("speaker", pa.string(), "the speaker's canonical name", False),
    _f("entity_id", pa.string(), "an entity mentioned inside the speaker's quoted words", False),
    _f("name", pa.string(), "that entity's canonical name", False),
    _f("label", pa.string(), "that entity's label", False),
    _f("n_quotes", pa.int64(), "quotes of the speaker that mention it", False),
    _f("n_articles", pa.int64(), "articles with such a quote", False),
    row='speaker and entity named inside their quotes',
)

RUNS = _schema(
    "runs",
    _f("run_id", pa.string(), "run id", False),
    _f("started_at", TS, "start", False),
    _f("finished_at", TS, "end"),
    _f("status", pa.string(), "completed or failed", False),
    _f("n_documents", pa.int64(), "documents written by the run", False),
    _f("n_articles", pa.int64(), "articles written by the run", False),
    _f("n_duplicates", pa.int64(), "articles the run marked as duplicates", False),
    _f("n_mentions", pa.int64(), "mentions written by the run", False),
    _f("n_quotes", pa.int64(), "quotes written by the run", False),
    _f("n_rejects", pa.int64(), "rejects written by the run", False),
    _f("sources", pa.list_(pa.string()), "the sources the run was given"),
    _f("stage_seconds", pa.string(), "JSON object: seconds per stage"),
    _f("languages", pa.string(), "JSON object: per language of the run's original articles, the articles and the "
       "spaCy model that served it (null: none did, see rejects no_model_for_language)"),
    _f("compaction", pa.string(), "JSON object: what the run's automatic compaction merged, per fact table: parts "
       "in, files out, rows, bytes in and out (null: it merged nothing; newsloom compact is in _manifests/ only)"),
    row='run',
)

LANGUAGES = _schema(
    "languages",
    _f("language", pa.string(), "ISO 639-1 code of the articles (null: too little prose, or too unsure, to tell)"),
    _f("n_articles", pa.int64(), "original articles", False),
    _f("n_duplicates", pa.int64(), "articles marked as duplicates", False),
    _f("n_with_mentions", pa.int64(), "original articles with at least one mention", False),
    _f("n_mentions", pa.int64(), "mentions", False),
    _f("n_quotes", pa.int64(), "quotes", False),
    _f("n_entities", pa.int64(), "distinct entities mentioned", False),
    _f("n_not_read", pa.int64(), "original articles the NLP stage did not read (no model, not in the languages "
       "setting, too large)", False),
    row='language of the corpus',
)

FACT_TABLES: dict[str, pa.Schema] = {"documents": DOCUMENTS, "articles": ARTICLES, "mentions": MENTIONS,
                                     "quotes": QUOTES, "rejects": REJECTS, "_signatures": SIGNATURES, "_feeds": FEEDS}
AGGREGATES: dict[str, pa.Schema] = {"entities": ENTITIES, "entity_daily": ENTITY_DAILY, "cooccurrence": COOCCURRENCE,
                                    "speakers": SPEAKERS, "quote_clusters": QUOTE_CLUSTERS,
                                    "speaker_mentions": SPEAKER_MENTIONS, "languages": LANGUAGES, "runs": RUNS}
SCRATCH_TABLES: dict[str, pa.Schema] = {"_clean": CLEAN, "_minhash": MINHASH, "_dups": DUPS, "_identity": IDENTITY,
                                        "_stale": STALE, "_clusters": CLUSTERS,
                                        "_reclustered": RECLUSTERED}
ALL_TABLES: dict[str, pa.Schema] = {**FACT_TABLES, **SCRATCH_TABLES, **AGGREGATES}


class SchemaError(ValueError):
    """A table does not fit its declared schema."""


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Return ``table`` with exactly the schema's columns, order and types.

    Missing nullable columns are filled with nulls; extra columns, missing required
    columns, nulls in required columns and impossible casts raise SchemaError.
    """
    name = schema.metadata.get(b"newsloom.table", b"?").decode()
    extra = set(table.column_names) - set(schema.names)
    if extra:
        raise SchemaError(f"{name}: columns not in the schema: {sorted(extra)}")
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            if not col.type.equals(field.type):
                try:
                    col = col.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise SchemaError(f"{name}.{field.name}: cannot cast {col.type} to {field.type}: {exc}") from exc
        elif field.nullable:
            col = pa.nulls(table.num_rows, field.type)
        else:
            raise SchemaError(f"{name}: required column {field.name!r} is missing")
        if not field.nullable and col.null_count:
            raise SchemaError(f"{name}.{field.name}: {col.null_count} nulls in a required column")
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=schema)


def from_rows(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Build a conforming table from a list of dicts (missing keys are null; a key that is not a column of
    the schema raises SchemaError, so a misspelled column never becomes a silent null)."""
    if not rows:
        return schema.empty_table()
    names = set(schema.names)
    unknown = {k for r in rows for k in r if k not in names}
    if unknown:
        raise SchemaError(f"{schema.metadata[b'newsloom.table'].decode()}: keys not in the schema: {sorted(unknown)}")
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return conform(pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in schema}), schema)
