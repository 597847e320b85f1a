"""Compaction: the small part files of the fact tables merged into files of a target size, committed through
the same protocol as a run (stage, intent, move, manifest; under the output root's lock).

Every run adds a part file per table and per fetch part; an hourly schedule would add 8,760 a year, and every
reader, aggregate and object-store listing pays per file.  Compaction merges them:

- **Which parts.** Parts below the target size come in two tiers (``SMALL_SHARE``, ``MEDIUM_PARTS``): small
  parts are merged often and cheaply, medium ones rarely, and a file of half the target is never rewritten.
  A tier's parts are packed in name order (the order runs committed them) into files of at most the target.
- **Tables that share part names are merged together.** A fetch part's rows keep one file name in
  documents, articles, mentions, quotes and _signatures, and a stage that revises committed rows reads the
  part of one name in several tables (resolve-identity reads mentions and quotes of the same articles).  So
  those tables are merged in the same groups and the merged files keep one name across them.  rejects,
  _feeds and _statements are merged on their own.
- **Sorted** by what analysts filter on (``SORT_KEYS``), so a filter on article_id reads few row groups.
- **Committed like a run.** The merged files are staged, the intent names them and the parts they replace,
  they are moved into the table folders, the manifest is written, and the replaced parts are deleted.  A
  crash before the intent leaves the old parts (the staging is deleted by the next writer); a crash after it
  is rolled forward by the next writer.  newsloom's readers list parts from the log (newsloom.tablelog), so
  they see the old parts or the new ones, never both and never neither.
- **Automatic.** After a run, a group of tables is compacted once it holds more than ``compact_parts`` small
  parts (or more than MEDIUM_PARTS medium ones); the manifests are folded into a checkpoint once more than ``MANIFESTS_PER_CHECKPOINT`` wait.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from newsloom import schemas
from newsloom.storage import Store, new_run_id

# Tables whose parts keep one name per fetch part (see the module docstring); every other fact table is
# merged on its own.
SHARED_NAMES = ("documents", "articles", "mentions", "quotes", "_signatures")

# The order of the rows in a merged file: what analysts filter and join on (article_id), then position.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "articles": ("article_id",),
    "mentions": ("article_id", "start_char", "end_char"),
    "quotes": ("article_id", "start_char", "end_char"),
    "_signatures": ("article_id",),
    "rejects": ("run_id", "source", "stage"),
    "_feeds": ("url", "fetched_at"),
    "_statements": ("quote_id",),
}

# Parts below the target size come in two tiers.  Small parts (under 1/SMALL_SHARE of the target, 8 MB of
# 128) are merged once more than ``compact_parts`` wait: often, which keeps the file count (and a read's cost
# per file) low, and cheap, since what is rewritten is small.  Medium parts (from there to half the target)
# are merged once more than MEDIUM_PARTS wait, into files of up to the target: rarer and dearer.  A file of
# half the target or more is done: it is never rewritten to add a few rows to it.
SMALL_SHARE = 16
MEDIUM_PARTS = 4

# Manifests written since the last checkpoint before the next fold: listing the log reads each of them once
# per process, and runs.parquet reads them all once per run (docs/benchmarks.md, "A year of hourly runs").
MANIFESTS_PER_CHECKPOINT = 100

MIB = 2 ** 20


@dataclass(frozen=True)
class Policy:
    """When and how far to compact: a group of tables once it holds more than ``max_small_parts`` small
    parts (or more than MEDIUM_PARTS medium ones), into files of at most ``target_bytes``.  ``whole``: every
    part under half the target is merged wherever there are two (``newsloom compact``)."""

    max_small_parts: int = 1
    target_bytes: int = 128 * MIB
    whole: bool = False

    @property
    def small_bytes(self) -> int:
        return self.target_bytes // SMALL_SHARE

    @property
    def done_bytes(self) -> int:
        return self.target_bytes // 2

    @classmethod
    def of(cls, config) -> "Policy":
        """The automatic policy of a run's Config (``compact_parts``, ``compact_target_mb``)."""
        return cls(config.compact_parts, config.compact_target_mb * MIB)


@dataclass
class Merge:
    """One merged file: the tables it is written in and the part names it replaces."""

    tables: tuple[str, ...]
    names: list[str] = field(default_factory=list)
    size: int = 0


def groups() -> list[tuple[str, ...]]:
    """The groups of fact tables merged together."""
    return [SHARED_NAMES, *((t,) for t in schemas.FACT_TABLES if t not in SHARED_NAMES)]


def part_sizes(store: Store, tables: tuple[str, ...]) -> dict[str, int]:
    """The parts of a group of tables, by name, in name order: the size of a name is that of its largest file
    among the tables."""
    sizes: dict[str, int] = {}
    for table in tables:
        for name, size in store.part_sizes(table).items():
            sizes[name] = max(sizes.get(name, 0), size)
    return dict(sorted(sizes.items()))


def pools(sizes: dict[str, int], policy: Policy) -> list[tuple[dict[str, int], int]]:
    """(parts, how many may wait unmerged) for each tier of parts that are not done."""
    if policy.whole:
        return [({n: b for n, b in sizes.items() if b < policy.done_bytes}, 1)]
    small = {n: b for n, b in sizes.items() if b < policy.small_bytes}
    medium = {n: b for n, b in sizes.items() if policy.small_bytes <= b < policy.done_bytes}
    return [(small, policy.max_small_parts), (medium, MEDIUM_PARTS)]


def plan(store: Store, policy: Policy) -> list[Merge]:
    """The merges that compaction would make now: for each group of tables, each tier with more parts than
    may wait, packed in name order into files of at most the target size (a file of one part is no merge)."""
    merges = []
    for tables in groups():
        for parts, may_wait in pools(part_sizes(store, tables), policy):
            if len(parts) <= may_wait:
                continue
            packed = [Merge(tables)]
            for name, size in parts.items():
                if packed[-1].names and packed[-1].size + size > policy.target_bytes:
                    packed.append(Merge(tables))
                packed[-1].names.append(name)
                packed[-1].size += size
            merges += [m for m in packed if len(m.names) > 1]
    return merges


def merged_table(store: Store, table: str, names: list[str]) -> pa.Table:
    """The rows of the named parts of a table, in the current schema (older parts gain its new columns),
    sorted by the table's sort key."""
    rows = pa.concat_tables([schemas.FACT_TABLES[table].empty_table(),
                             *(store.read_committed_part(table, n) for n in names)])
    return rows.sort_by([(c, "ascending") for c in SORT_KEYS[table]])


def compact(store: Store, policy: Policy) -> dict | None:
    """Merge the small parts that ``policy`` says to, as one committed operation; return its summary (None
    when there was nothing to merge).  Call with the lock held."""
    merges = plan(store, policy)
    if not merges:
        return None
    t0, op_id = time.perf_counter(), new_run_id()
    started = datetime.now(timezone.utc).isoformat()
    counts: dict[str, dict[str, int]] = {}
    removed = []
    for i, merge in enumerate(merges):
        key = f"{i:05d}"
        for table in merge.tables:
            present = store.part_sizes(table)
            replaced = [n for n in merge.names if n in present]
            if not replaced:
                continue
            merged = merged_table(store, table, replaced)
            out = store.stage_part(op_id, table, merged, key)
            c = counts.setdefault(table, {"parts_in": 0, "files_out": 0, "rows": 0, "bytes_in": 0, "bytes_out": 0})
            c["parts_in"] += len(replaced)
            c["files_out"] += out is not None
            c["rows"] += merged.num_rows
            c["bytes_in"] += sum(present[n] for n in replaced)
            c["bytes_out"] += store.staged_size(op_id, table, key)
            removed += [f"{table}/{n}" for n in replaced]
    summary = {"started_at": started, "finished_at": datetime.now(timezone.utc).isoformat(), "status": "compacted",
               "tables": counts, "seconds": round(time.perf_counter() - t0, 3)}
    store.commit(op_id, summary, removed=removed, kind="compaction")
    return {"op_id": op_id, **summary}


def auto_compact(store: Store, config) -> dict | None:
    """A run's last step, with the lock still held: compact what the run's settings say to (nothing when
    ``compact_parts`` is 0).  Returns the compaction's summary, or None."""
    policy = Policy.of(config)
    return compact(store, policy) if policy.max_small_parts > 0 else None


def fold_if_due(store: Store) -> int:
    """Fold the manifests into a checkpoint once more than MANIFESTS_PER_CHECKPOINT wait; return how many
    were folded.  Call with the lock held, after the last change to the run's manifest."""
    return store.fold_manifests() if store.unfolded_manifests() > MANIFESTS_PER_CHECKPOINT else 0
