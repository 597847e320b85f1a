"""The aggregate tables' schemas (newsloom.schemas re-exports them): what ``aggregate`` recomputes from the
committed fact rows on every run, and ``runs`` from the manifests."""
from __future__ import annotations

import pyarrow as pa

from newsloom.schema_fields import TS, described, table_schema

ENTITIES = table_schema(
    "entities",
    described("entity_id", pa.string(), "entity id", False),
    described("name", pa.string(), "canonical name", False),
    described("label", pa.string(), "most frequent label", False),
    described("aliases", pa.list_(pa.string()), "surfaces seen, most frequent first"),
    described("alias_counts", pa.list_(pa.int64()), "mentions per alias, in the order of aliases"),
    described("labels", pa.list_(pa.string()), "every label its mentions carry, most frequent first: label is the first; "
       "the others are what the model or the vote said elsewhere (null in files written before schema 3)"),
    described("label_counts", pa.list_(pa.int64()), "mentions per label, in the order of labels"),
    described("languages", pa.list_(pa.string()), "languages of the articles that mention it, most mentions first (an "
       "entity spans languages only where its name is written alike, or through the alias table: Russie, Russia)"),
    described("n_mentions", pa.int64(), "mentions in original articles", False),
    described("n_articles", pa.int64(), "original articles that mention it", False),
    described("n_quotes", pa.int64(), "quotes it is the speaker of", False),
    described("first_seen", TS, "earliest article date (published, else fetched)"),
    described("last_seen", TS, "latest article date (published, else fetched)"),
    described("geonameid", pa.string(), "a place's GeoNames id (as in mentions.geonameid); null for other entities"),
    described("lat", pa.float64(), "a place's latitude"),
    described("lon", pa.float64(), "a place's longitude"),
    described("country_code", pa.string(), "a place's ISO 3166-1 alpha-2 country code"),
    described("names", pa.list_(pa.string()), "every canonical name its mentions carry, most frequent first: name is "
       "the first (a run merges its own counts into these, tasks.aggregate_update)"),
    described("name_counts", pa.list_(pa.int64()), "mentions per name, in the order of names"),
    described("language_counts", pa.list_(pa.int64()), "mentions per language, in the order of languages"),
    row='entity',
)

ENTITY_DAILY = table_schema(
    "entity_daily",
    described("date", pa.date32(), "the article's day: as it prints it (articles.published_date), else the UTC day of "
       "published_at, else of the fetch", False),
    described("entity_id", pa.string(), "entity id", False),
    described("n_mentions", pa.int64(), "mentions that day", False),
    described("n_articles", pa.int64(), "articles that day", False),
    row='entity and day',
)

COOCCURRENCE = table_schema(
    "cooccurrence",
    described("entity_a", pa.string(), "entity id, the smaller of the pair", False),
    described("entity_b", pa.string(), "entity id, the larger of the pair", False),
    described("n_articles", pa.int64(), "original articles that mention both", False),
    row='pair of entities in one article',
)

SPEAKERS = table_schema(
    "speakers",
    described("entity_id", pa.string(), "speaker entity id", False),
    described("name", pa.string(), "canonical name", False),
    described("n_quotes", pa.int64(), "quotes attributed", False),
    described("n_articles", pa.int64(), "articles quoting them", False),
    described("first_quoted", TS, "earliest article date with a quote"),
    described("last_quoted", TS, "latest article date with a quote"),
    described("names", pa.list_(pa.string()), "every name its quotes give the speaker, most quotes first: name is the "
       "first"),
    described("name_counts", pa.list_(pa.int64()), "quotes per name, in the order of names"),
    row='quoted entity',
)

QUOTE_CLUSTERS = table_schema(
    "quote_clusters",
    described("cluster_id", pa.string(), "quote_cluster_id: the quote_id of the quote that founded the cluster (the "
       "longest version in the run that first saw the statement); it never changes as later runs add members",
       False),
    described("text", pa.string(), "canonical text: the most frequent wording, the longest on a tie", False),
    described("speaker", pa.string(), "canonical name of the speaker, where known"),
    described("entity_id", pa.string(), "speaker entity_id, where known"),
    described("speakers", pa.list_(pa.string()), "every known speaker of its members, most quotes first: more than one "
       "only where the words are near-identical, or the names share a surname (docs/analysts.md)", False),
    described("n_quotes", pa.int64(), "quotes in the cluster", False),
    described("n_articles", pa.int64(), "original articles that carry it", False),
    described("n_sites", pa.int64(), "distinct sites that carry it (an article without a site counts by its source)", False),
    described("first_seen", TS, "earliest article date (published, else fetched)"),
    described("first_site", pa.string(), "the site (else source) of the earliest article; on a tie, the first by name"),
    described("last_seen", TS, "latest article date"),
    described("wordings", pa.list_(pa.string()), "every wording of its members, most quotes first, the longest on a "
       "tie: text is the first"),
    described("wording_counts", pa.list_(pa.int64()), "quotes per wording, in the order of wordings"),
    described("attributions", pa.list_(pa.struct([("speaker", pa.string()), ("entity_id", pa.string()),
                                                   ("n_quotes", pa.int64())])),
       "every (speaker, entity_id) its members are attributed to, with their quotes, most first (then by name and "
       "id): speaker and entity_id are the first's"),
    described("sites", pa.list_(pa.string()), "every site (else source) that carries it, most articles first: n_sites "
       "is their number"),
    described("site_counts", pa.list_(pa.int64()), "original articles per site, in the order of sites"),
    row="quoted statement (every outlet's version of it)",
)

SPEAKER_MENTIONS = table_schema(
    "speaker_mentions",
    described("speaker_entity_id", pa.string(), "the speaker", False),
    described("speaker", pa.string(), "the speaker's canonical name", False),
    described("entity_id", pa.string(), "an entity mentioned inside the speaker's quoted words", False),
    described("name", pa.string(), "that entity's canonical name", False),
    described("label", pa.string(), "that entity's label", False),
    described("n_quotes", pa.int64(), "quotes of the speaker that mention it", False),
    described("n_articles", pa.int64(), "articles with such a quote", False),
    row='speaker and entity named inside their quotes',
)

RUNS = table_schema(
    "runs",
    described("run_id", pa.string(), "run id", False),
    described("started_at", TS, "start", False),
    described("finished_at", TS, "end"),
    described("status", pa.string(), "completed or failed", False),
    described("n_documents", pa.int64(), "documents written by the run", False),
    described("n_articles", pa.int64(), "articles written by the run", False),
    described("n_duplicates", pa.int64(), "articles the run marked as duplicates", False),
    described("n_mentions", pa.int64(), "mentions written by the run", False),
    described("n_quotes", pa.int64(), "quotes written by the run", False),
    described("n_rejects", pa.int64(), "rejects written by the run", False),
    described("sources", pa.list_(pa.string()), "the sources the run was given"),
    described("stage_seconds", pa.string(), "JSON object: seconds per stage"),
    described("languages", pa.string(), "JSON object: per language of the run's original articles, the articles and the "
       "spaCy model that served it (null: none did, see rejects no_model_for_language)"),
    described("compaction", pa.string(), "JSON object: what the run's automatic compaction merged, per fact table: parts "
       "in, files out, rows, bytes in and out (null: it merged nothing; newsloom compact is in _manifests/ only)"),
    described("rules", pa.string(), "JSON object: per stage that decides over committed rows (resolve-identity, "
       "cluster-quotes), the version of the rule the run applied; the next run on the root decides only what its own "
       "rows can change when its rule is the same (null: a run before versions were recorded)"),
    row='run',
)

LANGUAGES = table_schema(
    "languages",
    described("language", pa.string(), "ISO 639-1 code of the articles (null: too little prose, or too unsure, to tell)"),
    described("n_articles", pa.int64(), "original articles", False),
    described("n_duplicates", pa.int64(), "articles marked as duplicates", False),
    described("n_with_mentions", pa.int64(), "original articles with at least one mention", False),
    described("n_mentions", pa.int64(), "mentions", False),
    described("n_quotes", pa.int64(), "quotes", False),
    described("n_entities", pa.int64(), "distinct entities mentioned", False),
    described("n_not_read", pa.int64(), "original articles the NLP stage did not read (no model, not in the languages "
       "setting, too large)", False),
    row='language of the corpus',
)

PLACES = table_schema(
    "places",
    described("geonameid", pa.string(), "GeoNames id (or first-level division key) of the place", False),
    described("entity_id", pa.string(), "the place's entity id in mentions and entities", False),
    described("name", pa.string(), "the place's GeoNames name", False),
    described("feature", pa.string(), "continent, country, admin1, admin2 or city"),
    described("country_code", pa.string(), "ISO 3166-1 alpha-2 code of its country (null for a continent)"),
    described("lat", pa.float64(), "latitude (WGS84 degrees)", False),
    described("lon", pa.float64(), "longitude (WGS84 degrees)", False),
    described("aliases", pa.list_(pa.string()), "the surfaces it was written as, most frequent first"),
    described("n_mentions", pa.int64(), "mentions in original articles", False),
    described("n_articles", pa.int64(), "original articles that mention it", False),
    described("n_focus", pa.int64(), "original articles whose focus it is", False),
    described("first_seen", TS, "earliest article date (published, else fetched)"),
    described("last_seen", TS, "latest article date (published, else fetched)"),
    described("alias_counts", pa.list_(pa.int64()), "mentions per alias, in the order of aliases"),
    row='resolved place',
)
