"""cluster-quotes: one statement, reported by many outlets or shortened, gets one ``quote_cluster_id``.

Whole phase: reads quote_id, article_id, text and the speaker columns of this run's ``quotes`` and the
language of its ``articles``, and the same of the committed quotes (with their quote_cluster_id) and
articles of earlier runs; writes ``_clusters`` (quote_id -> quote_cluster_id, for the run's quotes and
the committed ones the rule moves) and ``_reclustered`` (the committed parts holding those).  Part phase:
reads a ``quotes`` part (the run's, or a committed one it revises) and ``_clusters``; sets
``quote_cluster_id``.

The rule (docs/analysts.md, "What a quote cluster is"; tasks/clusters/rule.py) compares a quote with a
cluster's representative only, never with its other members, so clusters cannot chain through a shared
phrase:

- A quote's words are its content words: the language pack's stop words dropped, the rest stemmed
  (tasks/clusters/statements.py).
- A cluster's representative is its member with the most content words (ties: the smaller quote_id).
- Every member shares at least JOIN_SHARE of its content words with the representative, and of those it
  writes as no name; a short member (fewer than MIN_CONTENT_WORDS) is an exact excerpt of it.
- A join whose shorter side is short also needs evidence beyond the words: the same known speaker, the
  same article, or the same story (the two articles carry another, long statement in common).
- A quote whose known speaker is not among the cluster's known speakers joins it only when the words are
  near-identical (each side shares NEAR_IDENTICAL of its content words with the other, both long).
- Speakers are compared by surname (``speaker_key``): the canonical speaker, else the name the attribution
  writes where no entity was resolved.  "Thea Oakhurst" and "Ranger Thea Oakhurst" are one speaker for
  this rule even where the identity stage kept them apart.

New quotes are taken longest first (ties by quote_id): the full version of a statement leads its cluster
and its excerpts join it.  A new quote that would outrank the representative takes its place only if every
member passes against it.  A cluster's id is the quote_id of its first member, so the clusters of earlier
runs keep their ids and later quotes join them by the same rule.  Committed clusters are checked again on
every run, by a test that does not depend on the order members came in (``Clusterer.load_committed``): a
cluster the rule made never changes, and one an older rule chained together is put right.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import PART_COLUMN, Stage, rule_settled
from tasks.clusters.rule import MAX_POSTINGS, cluster_statements
from tasks.clusters.scope import candidate_clusters, representatives, summaries_of
from tasks.clusters.statements import (
    QUOTE_COLUMNS,
    Vocabulary,
    languages_of,
    statements_of,
    statements_table,
    stored_statements,
)

# The version of the clustering rule (tasks/clusters/rule.py and statements.py): change it with the rule, so
# that the next run on every root checks all its committed clusters again (newsloom.stage.rule_settled)
RULE = "2026-12-06"

__all__ = ["MAX_POSTINGS", "QUOTE_COLUMNS", "STAGE", "assign_quote_clusters", "reclustered_parts",
           "set_quote_clusters"]


def assign_quote_clusters(new: pa.Table, earlier: pa.Table, articles: pa.Table,
                          max_postings: int | None = MAX_POSTINGS) -> pa.Table:
    """``_clusters`` for the quotes of ``new`` (QUOTE_COLUMNS) against the committed quotes ``earlier`` (the
    same and quote_cluster_id; rows without a cluster are skipped), and for every committed quote that the
    rule moves to another cluster.
    ``articles`` (article_id, language) gives each quote's language.  The result does not depend on how
    the run was split into parts: new quotes are taken in one global order."""
    return cluster_run(new, earlier, articles, None, max_postings=max_postings)[0]


def cluster_run(new: pa.Table, earlier: pa.Table, articles: pa.Table, stored: pa.Table | None, scoped: bool = False,
                run_id: str = "", max_postings: int | None = MAX_POSTINGS) -> tuple[pa.Table, pa.Table]:
    """(``_clusters``, ``_statements`` of the run) for the quotes of ``new`` against the committed ``earlier``.

    ``stored`` (the committed ``_statements``) gives the content words of committed quotes that this rule
    read already; the others are read now, and with the run's quotes make the run's ``_statements``.
    ``scoped``, for a root whose clusters follow this rule: only the committed clusters the run's quotes
    may join or take over are loaded (tasks/clusters/scope.py), as they are.  Otherwise every committed
    cluster is loaded and checked again."""
    vocab = Vocabulary(languages_of(articles))
    earlier = earlier.filter(pc.is_valid(earlier.column("quote_cluster_id")))
    fresh = statements_of(vocab, new)
    known = _read_by_this_rule(stored)
    unread = earlier.filter(pc.invert(pc.is_in(earlier.column("quote_id"), value_set=known.column("quote_id"))))
    written = statements_table(vocab, [*fresh, *statements_of(vocab, unread)], run_id, RULE)
    words = pa.concat_tables([known, written.select(list(WORD_COLUMNS))])
    summaries = {}
    if scoped:
        reps = representatives(earlier, words)
        touched, takeable = candidate_clusters(reps, vocab, fresh)
        joinable = earlier.filter(pc.is_in(earlier.column("quote_cluster_id"),
                                           value_set=pc.filter(touched, pc.invert(pc.is_in(touched, value_set=takeable)))))
        summaries = summaries_of(vocab, joinable, words, reps)
        earlier = earlier.filter(pc.is_in(earlier.column("quote_cluster_id"), value_set=takeable))
    was = earlier.column("quote_cluster_id").to_pylist()
    clusterer = cluster_statements(list(zip(stored_statements(vocab, earlier, words), was)), fresh, max_postings,
                                   check=not scoped, summaries=summaries)
    cluster_of = {s.quote_id: c.id for c in clusterer.clusters for s in c.members}
    moved = [q for q, c in zip(earlier.column("quote_id").to_pylist(), was) if cluster_of[q] != c]
    ids = new.column("quote_id").to_pylist() + moved
    clusters = schemas.conform(pa.table({"quote_id": pa.array(ids, pa.string()),
                                         "quote_cluster_id": pa.array([cluster_of[q] for q in ids], pa.string())}),
                               schemas.CLUSTERS)
    return clusters, written


WORD_COLUMNS = ("quote_id", "words", "plain")


def _read_by_this_rule(stored: pa.Table | None) -> pa.Table:
    """The stored content words (WORD_COLUMNS) that this rule read (rows of another version are read again)."""
    if stored is None:
        return schemas.STATEMENTS.empty_table().select(list(WORD_COLUMNS))
    return stored.filter(pc.fill_null(pc.equal(stored.column("rule"), RULE), False)).select(list(WORD_COLUMNS))


def set_quote_clusters(quotes: pa.Table, clusters: pa.Table) -> pa.Table:
    """The part phase: ``quotes`` with the quote_cluster_id that ``clusters`` gives each (a committed quote
    that ``clusters`` does not name keeps its own)."""
    cluster_of = dict(zip(clusters.column("quote_id").to_pylist(), clusters.column("quote_cluster_id").to_pylist()))
    i = quotes.schema.get_field_index("quote_cluster_id")
    now = quotes.column(i).to_pylist()
    ids = pa.array([cluster_of.get(q, c) for q, c in zip(quotes.column("quote_id").to_pylist(), now)], pa.string())
    return quotes.set_column(i, "quote_cluster_id", ids)


def reclustered_parts(committed: pa.Table, clusters: pa.Table) -> pa.Table:
    """``_reclustered``: the committed quotes parts holding a quote that ``clusters`` moves."""
    moved = pc.is_in(committed.column("quote_id"), value_set=clusters.column("quote_id"))
    parts = sorted(set(committed.filter(moved).column(PART_COLUMN).to_pylist()))
    return schemas.from_rows([{"part": p} for p in parts], schemas.RECLUSTERED)


def _whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    articles = pa.concat_tables([inputs["articles"], inputs["committed:articles"].select(["article_id", "language"])])
    committed = inputs["committed:quotes"]
    clusters, statements = cluster_run(inputs["quotes"], committed, articles, inputs["committed:_statements"],
                                       rule_settled(inputs["aggregate:runs"], STAGE), run_id)
    return {"_clusters": clusters, "_reclustered": reclustered_parts(committed, clusters), "_statements": statements}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    return {"quotes": set_quote_clusters(inputs["quotes"], inputs["_clusters"])}


def _count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    if "_clusters" not in outputs:
        return {}
    clusters = outputs["_clusters"]
    new = clusters.slice(0, inputs["quotes"].num_rows)  # the run's quotes come first, then the moved ones
    joined = pc.sum(pc.not_equal(new.column("quote_cluster_id"), new.column("quote_id"))).as_py() or 0
    return {"clustered": int(joined), "committed_moved": clusters.num_rows - new.num_rows,
            "reclustered_parts": outputs["_reclustered"].num_rows}


STAGE = Stage(
    name="cluster-quotes",
    whole_reads={"quotes": QUOTE_COLUMNS, "articles": ("article_id", "language"),
                 "committed:quotes": (*QUOTE_COLUMNS, "quote_cluster_id", PART_COLUMN),
                 "committed:articles": ("article_id", "language"),
                 "committed:_statements": (*WORD_COLUMNS, "rule"), "aggregate:runs": ("rules",)},
    whole=_whole,
    reads={"quotes": None, "run:_clusters": None},
    writes=("quotes", "_clusters", "_reclustered", "_statements"),
    part=_part,
    parts_of="quotes",
    revises="_reclustered",
    count=_count,
    rule=RULE,
)
