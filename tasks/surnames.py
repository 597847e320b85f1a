"""resolve-surnames: a person named by surname alone ("Okhotin") in an article that never gives the full
name takes the one known person of that surname, across articles and runs.

Run phase: reads the ``name``, ``label`` and ``entity_id`` of this run's ``mentions`` and of the
``entities`` aggregate (earlier runs); writes ``_persons``: every full person name by folded surname.
Part phase: reads a ``mentions`` part, the ``quotes`` part of the same key and ``_persons``; rewrites
``entity_id`` and ``name`` of each surname-only person whose surname has exactly one known person, and
the ``speaker_entity_id`` and ``speaker`` of that person's quotes.
"""
from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.extract.entities import name_tokens, surname

NAME_COLUMNS = ("name", "label", "entity_id")


def is_surname_only(name: str) -> bool:
    return len(name_tokens(name)) == 1


def known_persons(names_and_ids) -> dict[str, dict[str, str]]:
    """surname -> {entity_id: full name} over (name, label, entity_id) of full person names."""
    by_surname: dict[str, dict[str, str]] = defaultdict(dict)
    for name, label, eid in names_and_ids:
        if label == "PERSON" and name and not is_surname_only(name):
            by_surname[surname(name)].setdefault(eid, name)
    return by_surname


def resolve_surnames(mentions: list[dict], quotes: list[dict], persons: dict[str, dict[str, str]]) -> int:
    """A surname-only person ("Assad") whose article names no full form resolves to the one known person
    of that surname, where exactly one is known (in this run or earlier ones).  Rewrites entity_id and
    name in place, in mentions and in quote speakers; returns the number of mentions resolved."""
    remap: dict[str, tuple[str, str]] = {}
    n = 0
    for m in mentions:
        if m["label"] != "PERSON" or not is_surname_only(m["name"]):
            continue
        candidates = persons.get(surname(m["name"]), {})
        if len(candidates) == 1:
            eid, full = next(iter(candidates.items()))
            remap[m["entity_id"]] = (eid, full)
            m["entity_id"], m["name"] = eid, full
            n += 1
    for q in quotes:
        if q.get("speaker_entity_id") in remap:
            q["speaker_entity_id"], q["speaker"] = remap[q["speaker_entity_id"]]
    return n


def persons_table(*tables: pa.Table) -> pa.Table:
    """``_persons`` from tables with name, label and entity_id (earlier entities first, then this run)."""
    rows = []
    for t in tables:
        rows.extend(zip(*(t.column(c).to_pylist() for c in NAME_COLUMNS)))
    by_surname = known_persons(rows)
    return schemas.from_rows([{"surname": s, "entity_id": eid, "name": name}
                              for s, people in by_surname.items() for eid, name in people.items()], schemas.PERSONS)


def rewrite_mentions(mentions: pa.Table, quotes: pa.Table, rewrite) -> tuple[pa.Table, pa.Table, int]:
    """(mentions, quotes, n) after ``rewrite(mention_rows, quote_rows) -> n`` edits the rows of one part in
    place; the tables come back untouched when it changed nothing.  Shared by the stages that rewrite
    entity ids and labels after extraction (resolve-surnames, vote-labels)."""
    m_rows, q_rows = mentions.to_pylist(), quotes.to_pylist()
    n = rewrite(m_rows, q_rows)
    if not n:
        return mentions, quotes, 0
    return schemas.from_rows(m_rows, schemas.MENTIONS), schemas.from_rows(q_rows, schemas.QUOTES), n


def count_changed(column: str, key: str):
    """A Stage ``count``: how many mentions the part phase changed in ``column``, logged as ``key``."""
    def count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
        if "mentions" not in outputs:  # the run phase
            return {}
        before, after = inputs["mentions"].column(column), outputs["mentions"].column(column)
        return {key: sum(a != b for a, b in zip(before.to_pylist(), after.to_pylist()))}
    return count


def resolve_part_surnames(mentions: pa.Table, quotes: pa.Table, persons: pa.Table) -> tuple[pa.Table, pa.Table, int]:
    """(mentions, quotes, mentions resolved) for one part."""
    by_surname: dict[str, dict[str, str]] = {}
    for s, eid, name in zip(*(persons.column(c).to_pylist() for c in ("surname", "entity_id", "name"))):
        by_surname.setdefault(s, {}).setdefault(eid, name)
    return rewrite_mentions(mentions, quotes, lambda ms, qs: resolve_surnames(ms, qs, by_surname))


def _run(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    return {"_persons": persons_table(inputs["aggregate:entities"], inputs["mentions"])}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes, _ = resolve_part_surnames(inputs["mentions"], inputs["quotes"], inputs["_persons"])
    return {"mentions": mentions, "quotes": quotes}


STAGE = Stage(
    name="resolve-surnames",
    run_reads={"aggregate:entities": NAME_COLUMNS, "mentions": NAME_COLUMNS},
    run=_run,
    reads={"mentions": None, "quotes": None, "run:_persons": None},
    writes=("mentions", "quotes", "_persons"),
    part=_part,
    parts_of="mentions",
    count=count_changed("entity_id", "resolved"),
)
