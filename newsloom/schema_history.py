"""What each schema version of the tables changed (newsloom.schemas writes the last one)."""

# What each version changed.  Readers (Store.read_table, the DuckDB views) read every version listed:
# columns a file lacks are read as nulls, so new columns must be nullable.
SCHEMA_HISTORY = {
    "0": "CONTRACT.md v1 as first published",
    "1": "quotes: + speaker_start, speaker_end (issue 2), + utterance_id; entities: + alias_counts; "
         "runs: + sources, stage_seconds",
    "2": "documents: + url, charset, listed_at, via (web fetching, issue 5); internal _feeds table; "
         "quotes: + quote_cluster_id; aggregates quote_clusters and speaker_mentions (issue 10)",
    "3": "entities: + labels, label_counts (issue 20); scratch tables between stages (issue 18)",
    "4": "quotes: + method (issue 19); mentions: + label_score (issue 20)",
    "5": "entities: + languages; runs: + languages; aggregate languages (issue 23)",
    "6": "mentions: + article_entity_id, article_name, article_label; quotes: + speaker_article_entity_id: what the "
         "article alone says, which resolve-identity reads on every run (issue 28); scratch _identity, _stale",
    "7": "mentions: + title, title_gender: the title written before a person's name, kept as evidence of who is "
         "meant (issue 34); _identity: + article_cue",
    "8": "quote_clusters: + speakers; a cluster is one statement, compared with its representative only, and "
         "committed clusters are checked again by the rule on every run (issue 33); scratch _reclustered",
    "9": "runs: + compaction: what the run's automatic compaction merged; fact tables are compacted and "
         "their committed parts are the ones the manifests name (issue 32)",
    "10": "articles: + published_date, date_evidence, title_source, author_source: the metadata ranker's choice "
          "and where it came from (issue 31)",
    "11": "mentions: + geonameid, lat, lon, country_code, place_feature, place_score; entities: + geonameid, lat, "
          "lon, country_code; articles: + focus_geonameid, focus_country; aggregate places (issue 30)",
}
