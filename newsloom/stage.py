"""One shape for every stage, and the one task that runs any of them.

A stage declares the tables it reads (with the columns it needs) and the tables it writes, and holds up
to two pure functions over Arrow tables:

- ``run``: once per run, over small whole-run inputs (signatures, names, quote texts), before the parts.
  Its outputs are run-level tables (key ``run``) that the part phase reads back by name.
- ``part``: once per staged part of the table ``parts_of``.  Parts are independent, so they run
  concurrently on the run's task runner (Dask, or one thread for ``--workers 1``).

A table reference in ``reads`` says where rows come from:

- ``"documents"``: this run's staged rows (in the part phase: the part with the same key; in the run
  phase: every part of the run);
- ``"run:_dups"``: the run-level table a whole phase wrote;
- ``"committed:articles"``: the committed rows of earlier runs (with ``_part`` among the columns, each row
  also says which committed part holds it);
- ``"aggregate:entities"``: an aggregate file, or an empty table where none was written yet;
- ``"dataset:mentions"``: the committed rows as a lazy Arrow dataset, for a stage that scans everything
  with DuckDB (aggregate) and must not hold it in memory;
- ``"added:mentions"``: the committed rows this run added (its own parts, after its commit), for a stage
  that merges them into what earlier runs left (tasks.aggregate_update).

Outputs that are aggregates replace their file; every other output is staged.

The pure functions get their inputs keyed by table name for this run's tables (``documents``, ``_dups``)
and by the whole reference for the others (``committed:quotes``), so a stage can read both.

Everything between stages goes through the store by table name and part key, never by path: a part
phase gets its inputs by name, its outputs are conformed to their declared schema (newsloom.schemas)
and staged under the same key.  Rejects are staged under ``<stage>-<key>`` so each stage's rows stay
apart.  The counts of every part (rows in, rows out, drops by reason, rows per written table) are
summed and logged per stage.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.rejects import STAGES as REJECT_STAGES
from newsloom.storage import Store
from newsloom.util import get_logger, reasons

RUN_KEY = "run"
PART_COLUMN = "_part"  # asked of a committed table: the file name of the part that holds each row
Tables = dict[str, pa.Table]


@dataclass(frozen=True)
class Stage:
    """A stage of the pipeline: what it reads and writes, and its pure functions.

    ``part(inputs, config) -> outputs`` and ``run(inputs, config, run_id) -> outputs`` take and return
    ``{table name: pa.Table}`` keyed as in ``reads``/``writes``.  A whole phase that yields
    ``(key, outputs)`` pairs (``produces_parts``) creates the parts the next stages work on (fetch).
    ``count(inputs, outputs)`` adds stage-specific counts (duplicates found, names resolved, ...)."""

    name: str
    writes: tuple[str, ...]
    reads: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # the part phase's inputs
    part: Callable[[Tables, Config], Tables] | None = None
    whole: Callable[..., Tables | Iterator[tuple[str, Tables]]] | None = None
    parts_of: str | None = None
    produces_parts: bool = False
    count: Callable[[Tables, Tables], dict[str, int]] | None = None
    whole_reads: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # the whole phase's inputs
    # a run-level table (one column ``part``) naming committed parts of ``parts_of`` that the whole phase found
    # stale: the part phase runs over each of them too, and the commit replaces them with what it returns
    revises: str | None = None
    # the name its rows in ``rejects.stage`` carry, where the contract names the stage otherwise
    # (CONTRACT.md lists fetch, clean, deduplicate and extract); default: ``name``
    rejects_as: str | None = None
    # run-summary field -> the count of this stage it takes (runs.parquet: n_documents <- fetch's rows_out)
    reports: dict[str, str] = field(default_factory=dict)
    # the version of the rule a stage that decides over committed rows applies.  Each run records it
    # (runs.rules); a run whose root's last run recorded the same version may decide only what its own rows
    # can change (``rule_settled``), any other decides over the whole corpus once.  Change it with the rule.
    rule: str | None = None

    def __post_init__(self) -> None:
        for ref in [*self.reads, *self.whole_reads]:
            where, _, table = ref.rpartition(":")
            if where not in ("", "run", "committed", "aggregate", "dataset", "added"):
                raise ValueError(f"stage {self.name}: unknown table reference {ref!r}")
            if table not in schemas.ALL_TABLES:
                raise ValueError(f"stage {self.name}: reads undeclared table {table!r}")
        for table in self.writes:
            if table not in schemas.ALL_TABLES:
                raise ValueError(f"stage {self.name}: writes undeclared table {table!r}")
        if self.part is not None and self.parts_of is None:
            raise ValueError(f"stage {self.name}: a part phase needs parts_of")
        if "rejects" in self.writes and self.reject_stage not in REJECT_STAGES:
            raise ValueError(f"stage {self.name}: its rejects would carry {self.reject_stage!r}, not one of "
                             f"{REJECT_STAGES}; declare rejects_as")
        if self.revises is not None and (self.revises not in self.writes or self.part is None):
            raise ValueError(f"stage {self.name}: revises names a table its whole phase writes, for its part phase")


    @property
    def reject_stage(self) -> str:
        """What this stage's rows in ``rejects.stage`` say."""
        return self.rejects_as or self.name


def _select(table: pa.Table, columns: tuple[str, ...] | None) -> pa.Table:
    return table if columns is None else table.select(list(columns))


def read_inputs(store: Store, stage: Stage, run_id: str, key: str | None) -> Tables:
    """The stage's inputs: for a part phase (``key`` given) the staged part of each run table; for the run
    phase every staged part of the run, concatenated.  Only the declared columns are read."""
    out: Tables = {}
    for ref, columns in (stage.reads if key is not None else stage.whole_reads).items():
        where, _, table = ref.rpartition(":")
        cols = list(columns) if columns is not None else None
        if where == "committed" and cols is not None and PART_COLUMN in cols:
            t = store.read_table_by_part(table, [c for c in cols if c != PART_COLUMN])
        elif where == "committed":
            t = store.read_table(table, columns=cols)
        elif where == "dataset":
            t = store.committed_dataset(table)
        elif where == "added":
            t = store.read_table(table, columns=cols, run_id=run_id)
        elif where == "aggregate":
            t = _read_aggregate(store, table, columns)
        elif where == "run":
            t = store.read_staged(run_id, table, RUN_KEY, cols)
        else:
            t = store.read_staged(run_id, table, key, cols)
        out[table if where in ("", "run") else ref] = t
    return out


def _read_aggregate(store: Store, table: str, columns: tuple[str, ...] | None) -> pa.Table:
    """An aggregate's declared columns, or an empty table where none was written yet; a column an older
    version did not write comes back as nulls."""
    t = store.read_aggregate(table)
    t = schemas.ALL_TABLES[table].empty_table() if t is None else schemas.conform(
        t.select([c for c in t.column_names if c in schemas.ALL_TABLES[table].names]), schemas.ALL_TABLES[table])
    return _select(t, columns)


def last_rules(runs: pa.Table | None) -> dict[str, str]:
    """The rule versions the root's last run recorded (``runs.rules`` of its last row; none for a root with
    no run or one written before versions were recorded)."""
    if runs is None or not runs.num_rows or "rules" not in runs.column_names:
        return {}
    last = runs.column("rules")[runs.num_rows - 1].as_py()
    return json.loads(last) if last else {}


def rule_settled(runs: pa.Table, stage: Stage) -> bool:
    """Whether the root's last run (``runs``, with its ``rules`` column) applied the rule ``stage`` applies
    now: then every committed row already follows it, and the stage may decide only what this run's rows can
    change.  A root with no run, an older one, or one whose rule changed is decided whole."""
    return stage.rule is not None and last_rules(runs).get(stage.name) == stage.rule


def write_outputs(store: Store, stage: Stage, run_id: str, key: str, outputs: Tables) -> None:
    unknown = set(outputs) - set(stage.writes)
    if unknown:
        raise schemas.SchemaError(f"stage {stage.name} returned undeclared tables {sorted(unknown)}")
    for table in stage.writes:
        if table not in outputs:
            continue
        if table in schemas.AGGREGATES:
            store.replace_aggregate(table, outputs[table])
            continue
        part_key = f"{stage.name}-{key}" if table == "rejects" else key
        store.stage_part(run_id, table, outputs[table], part_key)


def counts_of(stage: Stage, inputs: Tables, rows_in: int, outputs: Tables) -> dict:
    """Rows in, rows out (of the first table in ``writes``), drops by reason, rows of every other public
    table written, and the stage's own counts."""
    main = stage.writes[0]
    result = {"rows_in": rows_in, "rows_out": outputs[main].num_rows if main in outputs else 0,
              "rejects": reasons(outputs["rejects"]) if "rejects" in outputs else {}}
    for table, t in outputs.items():
        if table not in (main, "rejects") and not table.startswith("_"):
            result[table] = t.num_rows
    if stage.count is not None:
        result.update(stage.count(inputs, outputs))
    return result


def execute_part(stage: Stage, config: Config, run_id: str, key: str) -> dict:
    """The part phase of ``stage`` over one part: read its inputs by name, call the pure function, stage its
    outputs under the same key; return the part's counts."""
    store = Store.of(config)
    inputs = read_inputs(store, stage, run_id, key)
    rows_in = inputs[stage.parts_of].num_rows
    outputs = stage.part(inputs, config)
    write_outputs(store, stage, run_id, key, outputs)
    return counts_of(stage, inputs, rows_in, outputs)


def stale_parts(store: Store, stage: Stage, run_id: str) -> list[str]:
    """The committed parts the whole phase of ``stage`` found stale (none for a stage that revises nothing)."""
    if stage.revises is None:
        return []
    return store.read_staged(run_id, stage.revises, RUN_KEY, ["part"]).column("part").to_pylist()


def revise_part(stage: Stage, config: Config, run_id: str, part: str) -> dict:
    """The part phase of ``stage`` over the committed part ``part`` (file name) of each table it reads (as an
    earlier stage of this run may have revised it already), with this run's run-level tables; its fact
    outputs are staged as revisions that the commit puts in place."""
    store = Store.of(config)
    inputs: Tables = {}
    for ref, columns in stage.reads.items():
        where, _, table = ref.rpartition(":")
        if where == "run":
            inputs[table] = store.read_staged(run_id, table, RUN_KEY, list(columns) if columns else None)
        elif where == "":
            inputs[table] = _select(store.read_latest_part(run_id, table, part), columns)
    outputs = stage.part(inputs, config)
    for table, t in outputs.items():
        if table in schemas.FACT_TABLES and t.num_rows:
            store.stage_revision(run_id, table, part, t)
    return {"revised_parts": 1}


def execute_whole(stage: Stage, config: Config, run_id: str) -> dict:
    """The whole phase of ``stage``: its whole-run inputs in, its run-level outputs (or, for a stage that
    produces parts, each part as it comes) staged; return the counts."""
    store = Store.of(config)
    inputs = read_inputs(store, stage, run_id, None)
    if stage.produces_parts:
        extra: Counter = Counter()
        total: Counter = Counter()
        by_reason: Counter = Counter()
        for key, outputs in stage.whole(inputs, config, run_id, extra):
            write_outputs(store, stage, run_id, key, outputs)
            c = counts_of(stage, inputs, 0, outputs)
            by_reason.update(c.pop("rejects"))
            total.update(c)
        return {**total, **extra, "rejects": dict(by_reason)}
    outputs = stage.whole(inputs, config, run_id)
    write_outputs(store, stage, run_id, RUN_KEY, outputs)
    return {k: v for k, v in counts_of(stage, inputs, 0, outputs).items() if k not in ("rows_in", "rows_out")}


def merge_counts(stage: str, results: list[dict], log: bool = True) -> dict:
    """Sum the counts of a stage's parts (and its whole phase) and log them in one line (``log``: a stage's
    share run apart, whose counts are merged again with the rest, is not logged alone)."""
    total: Counter = Counter()
    by_reason: Counter = Counter()
    for r in results:
        by_reason.update(r.get("rejects", {}))
        total.update({k: v for k, v in r.items() if isinstance(v, int) and not isinstance(v, bool)})
    extra = {k: v for k, v in total.items() if k not in ("rows_in", "rows_out")}
    line = "".join(f", {k} {v}" for k, v in extra.items())
    if log:
        get_logger().info(f"{stage}: {total['rows_in']} in, {total['rows_out']} out{line}; "
                          f"rejects {dict(by_reason) or 'none'}")
    return {"stage": stage, "rows_in": total["rows_in"], "rows_out": total["rows_out"],
            "rejects": dict(by_reason), **extra}
