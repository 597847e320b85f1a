"""resolve-identity: the one stage that decides who every entity mention and every speaker is, corpus-wide.

An article alone gives each mention an id, a name and a label (the extract stage, with the alias table and
the keys of ``tasks.identity.keys``); the mentions keep those as ``article_entity_id``, ``article_name`` and
``article_label``.  This stage decides over the whole corpus, committed runs and this one together
(``tasks.identity.corpus``): a surname alone joins the one person the corpus knows by that surname, and a
name takes the label the corpus votes.  The result is a function of the corpus alone, not of the order in
which its articles arrived: committed parts whose rows the corpus now resolves differently are rewritten in
the run's commit (``Stage.revises``).

Whole phase: reads the evidence columns of this run's ``mentions`` and of the committed ones (with the part
that holds each row); writes ``_identity`` (one decision per article-level name) and ``_stale`` (the
committed parts whose rows differ from the decisions).
Part phase (this run's parts, and each stale committed part): sets ``entity_id``, ``name`` and ``label`` of
every mention from ``_identity``, and ``speaker_entity_id`` and ``speaker`` of every quote from its speaker's
mention in the same article.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import PART_COLUMN, Stage, rule_settled
from tasks.identity.corpus import (
    EVIDENCE_COLUMNS,
    NAME_KEY,
    Name,
    decide,
    in_scope,
    person_folds,
    scope_of,
    weighed_for,
    with_article_columns,
    with_cues,
)
from tasks.places.resolve import PLACE_LABELS

# The version of the corpus-wide rule (tasks.identity.corpus, and how its decisions are applied): change it
# with the rule, so that the next run on every root decides its whole corpus again (newsloom.stage.rule_settled)
RULE = "2026-12-06"
FINAL_COLUMNS = ("entity_id", "name", "label")
COMMITTED_COLUMNS = (*EVIDENCE_COLUMNS, *FINAL_COLUMNS, PART_COLUMN)


def identity_table(evidence: pa.Table) -> pa.Table:
    """``_identity`` from the evidence columns of every mention of the corpus."""
    rows = [{**dict(zip(NAME_KEY, n)), **dict(zip(FINAL_COLUMNS, d[:3]))}
            for n, d in sorted(decide(evidence).items(), key=lambda item: tuple(x or "" for x in item[0]))]
    return schemas.from_rows(rows, schemas.IDENTITY)


def decisions_of(identity: pa.Table) -> dict[Name, Name]:
    cols = [identity.column(c).to_pylist() for c in (*NAME_KEY, *FINAL_COLUMNS)]
    return {Name(*row[:4]): Name(*row[4:]) for row in zip(*cols)}


def stale_parts(committed: pa.Table, identity: pa.Table) -> list[str]:
    """The committed parts holding a mention whose id, name or label differs from its decision."""
    if not committed.num_rows or not identity.num_rows:
        return []
    keyed = with_cues(with_article_columns(committed)).select([*NAME_KEY, *FINAL_COLUMNS, PART_COLUMN])
    keyed = keyed.set_column(keyed.schema.get_field_index("article_cue"), "article_cue",
                             pc.fill_null(keyed.column("article_cue"), ""))  # a join never matches nulls
    decided = identity.select([*NAME_KEY, *FINAL_COLUMNS]).rename_columns([*NAME_KEY, "to_id", "to_name", "to_label"])
    decided = decided.set_column(decided.schema.get_field_index("article_cue"), "article_cue",
                                 pc.fill_null(decided.column("article_cue"), ""))
    joined = keyed.join(decided, list(NAME_KEY), join_type="inner")
    differs = pc.or_(pc.or_(pc.not_equal(joined.column("entity_id"), joined.column("to_id")),
                            pc.not_equal(joined.column("name"), joined.column("to_name"))),
                     pc.not_equal(joined.column("label"), joined.column("to_label")))
    return sorted(set(joined.filter(pc.fill_null(differs, True)).column(PART_COLUMN).to_pylist()))


def apply_identity(mentions: pa.Table, quotes: pa.Table, identity: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(mentions, quotes) of one part with the corpus's ids, names and labels.  Only the rows of the names
    ``identity`` decides are read row by row: a large committed part that a run revises for a few names is
    not rebuilt in Python, and keeps its other rows as they are."""
    mentions = with_article_columns(mentions)
    decided = pc.is_in(mentions.column("article_name"), value_set=identity.column("article_name"))
    speaker_of: dict[tuple[str, str], Name] = {}

    def decide_rows(rows: pa.Table) -> pa.Table:
        return schemas.from_rows(_decided_rows(rows, decisions_of(identity), speaker_of), schemas.MENTIONS)

    mentions = _rewrite_rows(mentions, decided, decide_rows, schemas.MENTIONS)
    return mentions, _follow_speakers(quotes, speaker_of)


def _decided_rows(mentions: pa.Table, decisions: dict[Name, Name], speaker_of: dict[tuple[str, str], Name]) -> list[dict]:
    """The rows of ``mentions`` with their decisions applied; ``speaker_of`` learns what each
    (article, article-level entity) now is."""
    rows = with_cues(mentions).to_pylist()
    for r in rows:
        d = decisions.get(Name(r["article_entity_id"], r["article_name"], r["article_label"], r.pop("article_cue")))
        if d is not None:
            r["entity_id"], r["name"], r["label"] = d[:3]
        if r.get("geonameid") is not None and r["label"] not in PLACE_LABELS:
            forget_place(r)  # the corpus reads the name as a person or an organisation: not a place
        speaker_of.setdefault((r["article_id"], r["article_entity_id"]), Name(r["entity_id"], r["name"], r["label"]))
    return rows


def _rewrite_rows(table: pa.Table, mask: pa.ChunkedArray, rewrite, schema: pa.Schema) -> pa.Table:
    """``table`` with the rows where ``mask`` holds replaced by ``rewrite(those rows)`` (as many rows, in
    the same order), every other row untouched and in its place."""
    table = schemas.conform(table, schema)
    mask = pc.fill_null(mask, False)
    chosen = pc.sum(mask.cast(pa.int64())).as_py() or 0
    if chosen == table.num_rows:
        return rewrite(table)
    if not chosen:
        return table
    positions = pa.array(range(table.num_rows), pa.int64())
    rewritten = schemas.conform(rewrite(table.filter(mask)), schema)
    merged = pa.concat_tables([table.filter(pc.invert(mask)), rewritten])
    order = pc.sort_indices(pa.concat_arrays([positions.filter(pc.invert(mask).combine_chunks()),
                                              positions.filter(mask.combine_chunks())]))
    return merged.take(order)


PLACE_COLUMNS = ("geonameid", "lat", "lon", "country_code", "place_feature", "place_score")


def forget_place(row: dict) -> None:
    for c in PLACE_COLUMNS:
        row[c] = None


def _follow_speakers(quotes: pa.Table, speaker_of: dict[tuple[str, str], Name]) -> pa.Table:
    """Each quote's speaker as its mention in the same article now is (for the speakers ``speaker_of``
    names; every other quote keeps its speaker)."""
    if not quotes.num_rows:
        return quotes
    i = quotes.schema.get_field_index("speaker_article_entity_id")
    quotes = quotes.set_column(i, "speaker_article_entity_id",
                               pc.coalesce(quotes.column(i), quotes.column("speaker_entity_id")))
    named = pc.is_in(quotes.column(i), value_set=pa.array(sorted({e for _, e in speaker_of}), pa.string()))

    def follow(rows: pa.Table) -> pa.Table:
        out = rows.to_pylist()
        for q in out:
            now = speaker_of.get((q["article_id"], q["speaker_article_entity_id"]))
            if now is not None:
                q["speaker_entity_id"], q["speaker"] = now.entity_id, now.name
        return schemas.from_rows(out, schemas.QUOTES)

    return _rewrite_rows(quotes, named, follow, schemas.QUOTES)


def resolve_identities(mentions: pa.Table, quotes: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The whole stage over one corpus held in memory (benches and tests): decide, then apply."""
    identity = identity_table(with_article_columns(mentions).select(list(EVIDENCE_COLUMNS)))
    return apply_identity(mentions, quotes, identity)


def _whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    """Decide the names of the run, and of the committed mentions the run's evidence can move.  On a root
    whose last run applied this rule (``rule_settled``) every committed row already follows the decisions of
    its own evidence, so only the names in the run's scope are decided again (``scoped_identity``); any other
    root is decided whole."""
    new, committed = with_article_columns(inputs["mentions"]), with_article_columns(inputs["committed:mentions"])
    if rule_settled(inputs["aggregate:runs"], STAGE):
        identity, committed = scoped_identity(new, committed)
    else:
        identity = identity_table(evidence_of(new, committed))
    stale = [{"part": p} for p in stale_parts(committed, identity)]
    return {"_identity": identity, "_stale": schemas.from_rows(stale, schemas.STALE)}


def scoped_identity(new: pa.Table, committed: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(``_identity`` for the names in the scope of the run's mentions ``new``, the committed mentions that
    weigh for them), where the committed mentions follow the decisions of their own evidence.  Every other
    name's decision is the one it had (tasks.identity.corpus.scope_of), so the whole corpus is not read row
    by row: the decisions equal those over the whole corpus for every name in scope."""
    mine, known = distinct_names(new), distinct_names(committed) + distinct_names(new)
    scope = scope_of(mine, known)
    voters = person_folds(known, scope)
    committed = committed.filter(names_where(committed, lambda n, lab: weighed_for(n, lab, scope, voters)))
    identity = identity_table(evidence_of(new, committed))
    return identity.filter(names_where(identity, lambda n, lab: in_scope(n, lab, scope))), committed


def evidence_of(*mentions: pa.Table) -> pa.Table:
    """The evidence columns of the given mention tables, together."""
    return pa.concat_tables([m.select(list(EVIDENCE_COLUMNS)) for m in mentions])


def distinct_names(mentions: pa.Table) -> list[tuple[str, str]]:
    """The distinct (article_name, article_label) pairs of ``mentions``."""
    pairs = mentions.group_by(["article_name", "article_label"]).aggregate([])
    return list(zip(pairs.column("article_name").to_pylist(), pairs.column("article_label").to_pylist()))


def names_where(table: pa.Table, keep) -> pa.ChunkedArray:
    """A mask of the rows whose (article_name, article_label) passes ``keep``, asked once per distinct pair
    (a name is kept with all its labels when one passes: more evidence never changes a decision in scope)."""
    chosen = pa.array(sorted({n for n, lab in distinct_names(table) if n is not None and keep(n, lab)}), pa.string())
    return pc.is_in(table.column("article_name"), value_set=chosen)


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes = apply_identity(inputs["mentions"], inputs["quotes"], inputs["_identity"])
    return {"mentions": mentions, "quotes": quotes}


def _count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    """How many of the part's mentions the corpus moved to another entity or label."""
    if "mentions" not in outputs:  # the whole phase
        return {"stale_parts": outputs["_stale"].num_rows, "names_decided": outputs["_identity"].num_rows}
    before, after = inputs["mentions"], outputs["mentions"]
    moved = pc.or_(pc.not_equal(before.column("entity_id"), after.column("entity_id")),
                   pc.not_equal(before.column("label"), after.column("label")))
    return {"resolved": pc.sum(moved.cast(pa.int64())).as_py() or 0}


STAGE = Stage(
    name="resolve-identity",
    whole_reads={"mentions": (*EVIDENCE_COLUMNS, *FINAL_COLUMNS),
               "committed:mentions": COMMITTED_COLUMNS, "aggregate:runs": ("rules",)},
    whole=_whole,
    reads={"mentions": None, "quotes": None, "run:_identity": None},
    writes=("mentions", "quotes", "_identity", "_stale"),
    part=_part,
    parts_of="mentions",
    revises="_stale",
    count=_count,
    rule=RULE,
)
