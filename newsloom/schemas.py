"""Every table's schema, declared once (see CONTRACT.md in the shared folder).

Each field carries a description in its metadata.  ``conform`` is called on every
write: it orders the columns, casts compatible types and raises on anything that
does not fit, so a table on disk always matches its declared schema.
"""
from __future__ import annotations

import pyarrow as pa

from newsloom.aggregate_schemas import (
    COOCCURRENCE,
    ENTITIES,
    ENTITY_DAILY,
    LANGUAGES,
    PLACES,
    QUOTE_CLUSTERS,
    RUNS,
    SPEAKER_MENTIONS,
    SPEAKERS,
)
from newsloom.schema_fields import SCHEMA_VERSION, TS, described, table_schema

__all__ = ["SCHEMA_VERSION", "TS", "COOCCURRENCE", "ENTITIES", "ENTITY_DAILY", "LANGUAGES", "PLACES", "QUOTE_CLUSTERS",
           "RUNS", "SPEAKER_MENTIONS", "SPEAKERS"]


DOCUMENTS = table_schema(
    "documents",
    described("doc_id", pa.string(), "sha256 of the raw bytes (hex, 32 chars)", False),
    described("source", pa.string(), "URL, or path relative to the input root; '#id' appended for a JSONL line", False),
    described("fetched_at", TS, "when the input was read", False),
    described("media_type", pa.string(), "text/html, text/plain, application/x-ndjson, ...", False),
    described("content", pa.binary(), "raw bytes as fetched", False),
    described("http_status", pa.int16(), "HTTP status; null for local files"),
    described("run_id", pa.string(), "the run that wrote the row", False),
    described("url", pa.string(), "the URL the content came from, after redirects; null for local files"),
    described("charset", pa.string(), "charset declared by the HTTP Content-Type header, where given"),
    described("listed_at", TS, "publication time given by the feed or sitemap that listed the URL"),
    described("via", pa.string(), "the feed, sitemap, URL list or WARC file the document was found through"),
    row='input read (a file, a JSONL line, a URL, a WARC record)',
)

ARTICLES = table_schema(
    "articles",
    described("article_id", pa.string(), "stable id: hash of source and doc_id", False),
    described("doc_id", pa.string(), "the document the article came from", False),
    described("url", pa.string(), "canonical URL where known"),
    described("source", pa.string(), "as in documents", False),
    described("site", pa.string(), "outlet name or host"),
    described("title", pa.string(), "headline"),
    described("author", pa.string(), "byline"),
    described("published_at", TS, "publication time (midnight UTC when only the day is known)"),
    described("date_source", pa.string(), "metadata, text or url: where the date was found"),
    described("published_date", pa.date32(), "the publication day as the page prints it, in the outlet's own time zone "
       "(published_at is the instant in UTC, which can fall on the next or previous day)"),
    described("date_evidence", pa.string(), "every source that gave the chosen date, '+'-joined (ld_published_article, "
       "meta_modified, time_updated, url, ...; tasks.clean.candidates); null when no ranker chose it"),
    described("title_source", pa.string(), "where the headline came from (h1_first, og_title, title_tag, trafilatura, ...)"),
    described("author_source", pa.string(), "where the byline came from (ld_author_person_article, meta_author, "
       "byline_element, label_byline, trafilatura, ...); null with a null author"),
    described("language", pa.string(), "ISO 639-1 code; null where the prose is too short or the detector unsure "
       "(entity-extract reads such an article in its part's majority language)"),
    described("focus_geonameid", pa.string(), "the place the article is about (tasks.places.focus): its resolved places "
       "weighed by mentions, the dateline and the first paragraph, a city's weight also counting for its division "
       "and country; null without a resolved place (and for duplicates)"),
    described("focus_country", pa.string(), "ISO 3166-1 alpha-2 code of the country the article is about: the country "
       "with the most place weight (the focus place's country where they agree); null without one"),
    described("text", pa.string(), "clean main text, paragraphs separated by a blank line", False),
    described("n_words", pa.int32(), "number of words in text", False),
    described("text_hash", pa.string(), "hash of the normalised text: the exact-duplicate key", False),
    described("dup_of", pa.string(), "article_id of the earlier article this one duplicates; null for an original"),
    described("dup_similarity", pa.float32(), "estimated Jaccard similarity to dup_of"),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row='document that yielded an article',
)

MENTIONS = table_schema(
    "mentions",
    described("article_id", pa.string(), "the article", False),
    described("entity_id", pa.string(), "one id per real-world entity, in every article and run", False),
    described("name", pa.string(), "the entity's canonical name", False),
    described("surface", pa.string(), "the words as written (after trimming titles, possessives, punctuation)", False),
    described("label", pa.string(), "PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, ...", False),
    described("start_char", pa.int32(), "offset of surface in articles.text", False),
    described("end_char", pa.int32(), "end offset (exclusive)", False),
    described("sentence", pa.int32(), "index of the sentence in the article", False),
    described("run_id", pa.string(), "the run that wrote the row", False),
    described("label_score", pa.float32(), "0 to 1: the share of the article's evidence (the model's label, context cues) "
       "that backs the label; 1 for names from the alias table; weighs the mention in the corpus-wide label vote "
       "(null in rows written before schema 4)"),
    described("article_entity_id", pa.string(), "the entity_id the article's own evidence gives the mention, before the "
       "corpus-wide identity stage (null in rows written before schema 6)"),
    described("article_name", pa.string(), "the canonical name the article's own evidence gives (a surname alone where the "
       "article never names the full name; null before schema 6)"),
    described("article_label", pa.string(), "the label the article's own evidence settles, before the corpus-wide vote "
       "(null before schema 6)"),
    described("title", pa.string(), "PERSON only: the title written right before the name, the one nearest it ('Mrs.', "
       "'Sen.', 'Secretary of State'), as evidence of who is meant; never part of name or surface (null without "
       "one, and before schema 7)"),
    described("title_gender", pa.string(), "'female' or 'male' where the title says it ('Mrs.', 'Mr.'; the language "
       "pack's gendered_titles), else null"),
    described("geonameid", pa.string(), "the GeoNames place a place mention (GPE, LOC, FAC) resolves to: a GeoNames id, or "
       "GeoNames' first-level division key ('FR.11') where the shipped data has no id for the division; null for "
       "other mentions and unresolved places (tasks.places, docs/places.md)"),
    described("lat", pa.float64(), "latitude of the resolved place (WGS84 degrees; a country's or division's centre)"),
    described("lon", pa.float64(), "longitude of the resolved place"),
    described("country_code", pa.string(), "ISO 3166-1 alpha-2 code of the resolved place's country (null for a continent)"),
    described("place_feature", pa.string(), "what the resolved place is: continent, country, admin1 (a first-level "
       "division), admin2 (a county or district) or city"),
    described("place_score", pa.float32(), "0 to 1: the chosen place's share of the softmax over its candidates' scores "
       "(how sure the resolution is among the places of that name)"),
    row='entity mention in an original article',
)

QUOTES = table_schema(
    "quotes",
    described("quote_id", pa.string(), "hash of article_id and span", False),
    described("article_id", pa.string(), "the article", False),
    described("text", pa.string(), "the quoted words, without quotation marks", False),
    described("start_char", pa.int32(), "offset of text in articles.text", False),
    described("end_char", pa.int32(), "end offset (exclusive)", False),
    described("kind", pa.string(), "direct (inside quotation marks) or indirect (reported speech, which may hold quoted "
       "words: Dorn said the plan was “dead in the water”)", False),
    described("speaker", pa.string(), "canonical name of who said it; null when unknown"),
    described("speaker_entity_id", pa.string(), "entity_id of the speaker, joinable to mentions and entities"),
    described("speaker_surface", pa.string(), "the speaker as written where the quote is attributed"),
    described("speaker_start", pa.int32(), "offset of speaker_surface in the text"),
    described("speaker_end", pa.int32(), "end of speaker_surface"),
    described("cue", pa.string(), "lemma of the reporting verb: say, tell, add, ..."),
    described("attribution", pa.string(), "explicit, pronoun, continuation or none", False),
    described("confidence", pa.float32(), "0 to 1, calibrated: among quotes near confidence c, about c have the right "
       "span and speaker (docs/quote-model.md)", False),
    described("utterance_id", pa.string(), "shared by the spans of one interrupted or multi-paragraph quote "
       "(null in rows written before schema 1)"),
    described("run_id", pa.string(), "the run that wrote the row", False),
    described("quote_cluster_id", pa.string(), "the statement this quote reports, shared by every outlet's (possibly "
       "shortened) version of it; joins quote_clusters.cluster_id (null in rows written before schema 2)"),
    described("method", pa.string(), "what found the span: quotation_marks (the rule for quotation marks), a rule_* "
       "rule, or the attribution tagger's name: minilm_attribution_v1 (the encoder, the default) or crf_attribution_v1 "
       "(quote_tagger=crf) (null in rows written before schema 4)"),
    described("speaker_article_entity_id", pa.string(), "the speaker's article_entity_id in mentions: the id the article "
       "alone gives, from which the identity stage re-derives speaker_entity_id (null before schema 6)"),
    row='quotation in an original article',
)

REJECTS = table_schema(
    "rejects",
    described("source", pa.string(), "the input as in documents.source", False),
    described("doc_id", pa.string(), "the document, where one was read"),
    described("stage", pa.string(), "fetch, clean, deduplicate or extract", False),
    described("reason", pa.string(), "snake_case constant: http_error, empty_text, unsupported_type, ...", False),
    described("detail", pa.string(), "the error message or figure behind the reason"),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row='input or article dropped, with its stage and reason',
)

# Internal: MinHash signatures of every original article, so that later runs dedupe against earlier ones.
SIGNATURES = table_schema(
    "signatures",
    described("article_id", pa.string(), "the article", False),
    described("text_hash", pa.string(), "exact-duplicate key", False),
    described("signature", pa.binary(), "MinHash hash values (datasketch affine32 scheme, seed 1), uint32 little-endian", False),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row="original article's MinHash signature (internal)",
)

# Internal: each committed quote's content words as the clustering rule reads them (tasks.clusters), so that a
# run finds the clusters its quotes may join without reading every committed quote again.
STATEMENTS = table_schema(
    "statements",
    described("quote_id", pa.string(), "the quote (quotes.quote_id)", False),
    described("words", pa.list_(pa.string()), "its content words: the language pack's stop words dropped, the rest "
              "stemmed, each once, sorted", False),
    described("plain", pa.list_(pa.string()), "those of its words written at least once as no name", False),
    described("rule", pa.string(), "the version of the clustering rule that read them (tasks.clusters.RULE): rows of "
              "another version are read again", False),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row="quote's content words for the clustering rule (internal)",
)

# Internal: what each feed or sitemap returned, for conditional GET (ETag, Last-Modified) and schedule hints.
FEEDS = table_schema(
    "feeds",
    described("url", pa.string(), "the feed or sitemap URL (canonical)", False),
    described("kind", pa.string(), "feed or sitemap", False),
    described("fetched_at", TS, "when it was requested", False),
    described("http_status", pa.int16(), "status of the last response (304: not modified)"),
    described("etag", pa.string(), "ETag of the last full response"),
    described("last_modified", pa.string(), "Last-Modified of the last full response"),
    described("n_items", pa.int64(), "article or sitemap URLs it listed (0 when not modified)", False),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row='poll of a feed or sitemap (internal)',
)

# ---- scratch tables: between the stages of one run, under _staging/<run_id>/, never committed ----------
# The clean stage's articles, before the deduplicate stage decides dup_of.
CLEAN = table_schema("_clean", *ARTICLES, row='article before deduplication (scratch)')

MINHASH = table_schema(
    "_minhash",
    described("article_id", pa.string(), "the article", False),
    described("source", pa.string(), "as in articles: the last tie-break of which copy is the original", False),
    described("published_at", TS, "publication time: earlier copies are originals"),
    described("text_hash", pa.string(), "exact-duplicate key", False),
    described("signature", pa.binary(), "MinHash hash values, as in _signatures", False),
    described("run_id", pa.string(), "the run that wrote the row", False),
    row='article of the run with its signature (scratch)',
)

DUPS = table_schema(
    "_dups",
    described("article_id", pa.string(), "an article of this run", False),
    described("dup_of", pa.string(), "the earlier original it duplicates; null for an original"),
    described("dup_similarity", pa.float32(), "estimated Jaccard similarity to dup_of"),
    described("known", pa.bool_(), "already in articles from an earlier run: not written again", False),
    row='deduplication decision for an article of the run (scratch)',
)

IDENTITY = table_schema(
    "_identity",
    described("article_entity_id", pa.string(), "the id the article alone gives (mentions.article_entity_id)", False),
    described("article_name", pa.string(), "the name the article alone gives (mentions.article_name)", False),
    described("article_label", pa.string(), "the label the article alone settles (mentions.article_label)", False),
    described("article_cue", pa.string(), "for a surname alone: the titles and gender the article writes before it "
       "('female|mrs'), which narrow the bearers it may join; null otherwise"),
    described("entity_id", pa.string(), "the entity the corpus says it is", False),
    described("name", pa.string(), "that entity's canonical name", False),
    described("label", pa.string(), "that entity's label after the corpus-wide vote", False),
    row='identity decision for one name an article gives, over the whole corpus (scratch)',
)

STALE = table_schema(
    "_stale",
    described("part", pa.string(), "file name of a committed mentions part that an identity decision of this run revises",
       False),
    row='committed part the identity stage rewrites (scratch)',
)

RECLUSTERED = table_schema(
    "_reclustered",
    described("part", pa.string(), "file name of a committed quotes part holding a quote that the clustering rule moves "
       "to another cluster", False),
    row='committed part the cluster-quotes stage rewrites (scratch)',
)

CLUSTERS = table_schema(
    "_clusters",
    described("quote_id", pa.string(), "a quote of this run, or a committed quote the rule moves", False),
    described("quote_cluster_id", pa.string(), "the cluster it joins", False),
    row='quote of the run (or moved committed quote) and its cluster (scratch)',
)

FACT_TABLES: dict[str, pa.Schema] = {"documents": DOCUMENTS, "articles": ARTICLES, "mentions": MENTIONS,
                                     "quotes": QUOTES, "rejects": REJECTS, "_signatures": SIGNATURES, "_feeds": FEEDS,
                                     "_statements": STATEMENTS}
AGGREGATES: dict[str, pa.Schema] = {"entities": ENTITIES, "entity_daily": ENTITY_DAILY, "cooccurrence": COOCCURRENCE,
                                    "speakers": SPEAKERS, "quote_clusters": QUOTE_CLUSTERS,
                                    "speaker_mentions": SPEAKER_MENTIONS, "languages": LANGUAGES, "places": PLACES,
                                    "runs": RUNS}
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
