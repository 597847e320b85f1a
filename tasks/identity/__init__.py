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
from newsloom.stage import PART_COLUMN, Stage
from tasks.identity.corpus import EVIDENCE_COLUMNS, NAME_KEY, Name, decide, with_article_columns, with_cues
from tasks.places.resolve import PLACE_LABELS

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
    if not committed.num_rows:
        return []
    decisions = decisions_of(identity)
    committed = with_cues(with_article_columns(committed))
    cols = [committed.column(c).to_pylist() for c in (*NAME_KEY, *FINAL_COLUMNS, PART_COLUMN)]
    stale = {row[7] for row in zip(*cols) if decisions.get(Name(*row[:4]), Name(*row[4:7])) != Name(*row[4:7])}
    return sorted(stale)


def apply_identity(mentions: pa.Table, quotes: pa.Table, identity: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(mentions, quotes) of one part with the corpus's ids, names and labels."""
    decisions = decisions_of(identity)
    rows = with_cues(with_article_columns(mentions)).to_pylist()
    speaker_of: dict[tuple[str, str], Name] = {}
    for r in rows:
        d = decisions.get(Name(r["article_entity_id"], r["article_name"], r["article_label"], r.pop("article_cue")))
        if d is not None:
            r["entity_id"], r["name"], r["label"] = d[:3]
        if r.get("geonameid") is not None and r["label"] not in PLACE_LABELS:
            forget_place(r)  # the corpus reads the name as a person or an organisation: not a place
        speaker_of.setdefault((r["article_id"], r["article_entity_id"]), Name(r["entity_id"], r["name"], r["label"]))
    return schemas.from_rows(rows, schemas.MENTIONS), _follow_speakers(quotes, speaker_of)


PLACE_COLUMNS = ("geonameid", "lat", "lon", "country_code", "place_feature", "place_score")


def forget_place(row: dict) -> None:
    for c in PLACE_COLUMNS:
        row[c] = None


def _follow_speakers(quotes: pa.Table, speaker_of: dict[tuple[str, str], Name]) -> pa.Table:
    """Each quote's speaker as its mention in the same article now is."""
    if not quotes.num_rows:
        return quotes
    i = quotes.schema.get_field_index("speaker_article_entity_id")
    quotes = quotes.set_column(i, "speaker_article_entity_id",
                               pc.coalesce(quotes.column(i), quotes.column("speaker_entity_id")))
    rows = quotes.to_pylist()
    for q in rows:
        now = speaker_of.get((q["article_id"], q["speaker_article_entity_id"]))
        if now is not None:
            q["speaker_entity_id"], q["speaker"] = now.entity_id, now.name
    return schemas.from_rows(rows, schemas.QUOTES)


def resolve_identities(mentions: pa.Table, quotes: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The whole stage over one corpus held in memory (benches and tests): decide, then apply."""
    identity = identity_table(with_article_columns(mentions).select(list(EVIDENCE_COLUMNS)))
    return apply_identity(mentions, quotes, identity)


def _whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    committed = inputs["committed:mentions"]
    evidence = pa.concat_tables([with_article_columns(inputs["mentions"]).select(list(EVIDENCE_COLUMNS)),
                                 with_article_columns(committed).select(list(EVIDENCE_COLUMNS))])
    identity = identity_table(evidence)
    stale = [{"part": p} for p in stale_parts(committed, identity)]
    return {"_identity": identity, "_stale": schemas.from_rows(stale, schemas.STALE)}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes = apply_identity(inputs["mentions"], inputs["quotes"], inputs["_identity"])
    return {"mentions": mentions, "quotes": quotes}


def _count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    """How many of the part's mentions the corpus moved to another entity or label."""
    if "mentions" not in outputs:  # the whole phase
        return {"stale_parts": outputs["_stale"].num_rows}
    before, after = inputs["mentions"], outputs["mentions"]
    moved = pc.or_(pc.not_equal(before.column("entity_id"), after.column("entity_id")),
                   pc.not_equal(before.column("label"), after.column("label")))
    return {"resolved": pc.sum(moved.cast(pa.int64())).as_py() or 0}


STAGE = Stage(
    name="resolve-identity",
    whole_reads={"mentions": (*EVIDENCE_COLUMNS, *FINAL_COLUMNS),
               "committed:mentions": COMMITTED_COLUMNS},
    whole=_whole,
    reads={"mentions": None, "quotes": None, "run:_identity": None},
    writes=("mentions", "quotes", "_identity", "_stale"),
    part=_part,
    parts_of="mentions",
    revises="_stale",
    count=_count,
)
