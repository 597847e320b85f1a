"""The output root: append-only fact tables, atomic aggregates, a run commit protocol and a lock.

The root is a local folder or an object-store URL (``s3://bucket/prefix``, and any other fsspec
scheme whose package is installed: ``gs://``, ``abfs://``, ...).  Every read and write of a table
goes through this module: listings and moves through fsspec, Parquet through pyarrow on the same
filesystem.  No stage knows which kind of root it writes to.

Layout under the output root::

    documents/ articles/ mentions/ quotes/ rejects/   committed part files (what readers see)
    _signatures/                                       MinHash signatures (internal fact table)
    _feeds/                                            conditional-GET validators of polled feeds and sitemaps (internal)
    _staging/<run_id>/<table>/part-*.parquet           a run's parts before it commits
    _staging/<run_id>/_commit.json                     the run's intent to commit (list of parts)
    _manifests/<run_id>.json                           one per committed run or compaction: files and summary
    _manifests/_checkpoint.json                        older manifests folded into one (newsloom.tablelog)
    entities.parquet, ...                              aggregates, replaced whole
    _lock                                              held by the one run writing here

Guarantees, on local disk and on object stores:

- no reader sees a half-written file.  Locally every file is written under a dot-name and renamed
  into place; on an object store a PUT (also a multipart upload) becomes visible only when it is
  complete, so files are written in place;
- a run's part files stay under ``_staging/`` (which Parquet readers skip: names starting with
  ``_`` or ``.`` are not data) until the run commits.  The commit point is one small write, the
  run's intent file listing its parts; the parts are then moved (renamed locally; copied and
  deleted on an object store, where rename is not atomic) and the manifest is written last.  A
  crash before the intent leaves only staging, which the next run deletes; a crash after it is
  rolled forward by the next run.  So ``pandas.read_parquet(<root>/<table>)`` only ever sees
  parts of runs that committed, a crashed run's rows appear completely or not at all, and a
  rerun neither loses nor duplicates them;
- readers list a table's committed parts from the manifests (newsloom.tablelog), so a compaction
  (newsloom.compaction), which moves its merged files in before its manifest and deletes the parts they
  replace after it, is seen whole: before or after, never both;
- one writer at a time.  Locally ``_lock`` is held with flock, which the OS releases when the
  process dies.  On an object store ``_lock`` is created with a conditional PUT (If-None-Match:
  ``*``, fsspec's exclusive-create mode), which fails for the second writer however close the two
  are in time; a writer that died holding it leaves it behind, and ``newsloom unlock`` removes it
  after the operator has checked that the run named in it is gone.
"""
from __future__ import annotations

import json
import os
import posixpath
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from newsloom import schemas
from newsloom.fs import atomic_write_bytes, filesystem, is_remote, write_parquet_atomic
from newsloom.lease import S3Lease
from newsloom.locking import WriterLock
from newsloom.tablelog import TableLog


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class Store(WriterLock, TableLog):
    """An output root.  All reads and writes of tables go through here.

    Paths that the Store hands out (staged and committed parts, aggregates) are plain paths for a
    local root and full URLs for an object store; give them back to the Store to read them.
    """

    root: str | Path
    endpoint_url: str | None = None
    lease_seconds: float = 120.0  # the writer lock's lease on S3 (newsloom.lease)
    _lock_fh: object = field(default=None, repr=False)
    _lock_owner: str | None = field(default=None, repr=False)
    _lease: S3Lease | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.remote = is_remote(self.root)
        self.fs, self.base = filesystem(self.root, self.endpoint_url)
        self.url = self.fs.unstrip_protocol(self.base) if self.remote else self.base
        if not self.remote:
            self.root = Path(self.base)
        self.arrow_fs = pafs.LocalFileSystem() if not self.remote else pafs.PyFileSystem(pafs.FSSpecHandler(self.fs))

    @classmethod
    def of(cls, config) -> "Store":
        """The output root of a run's Config."""
        return cls(config.out, getattr(config, "endpoint_url", None), getattr(config, "lock_lease", 120.0))

    # ---- paths -----------------------------------------------------------------------------
    def _join(self, *parts: str) -> str:
        return posixpath.join(self.base, *parts) if self.remote else os.path.join(self.base, *parts)

    def _show(self, path: str) -> str:
        """A path inside the filesystem as handed out: plain locally, a full URL remotely."""
        return self.fs.unstrip_protocol(path) if self.remote else path

    def _strip(self, path: str | Path) -> str:
        return self.fs._strip_protocol(str(path)) if self.remote else str(path)

    def table_dir(self, table: str) -> str:
        return self._show(self._join(table))

    def staging_dir(self, run_id: str) -> str:
        return self._show(self._join("_staging", run_id))

    def aggregate_path(self, name: str) -> str:
        return self._show(self._join(f"{name}.parquet"))

    # ---- bytes -------------------------------------------------------------------------------
    def exists(self, path: str | Path) -> bool:
        return self.fs.exists(self._strip(path))

    def write_bytes(self, path: str | Path, data: bytes) -> None:
        p = self._strip(path)
        if self.remote:
            self.fs.pipe_file(p, data)
        else:
            atomic_write_bytes(Path(p), data)

    def read_json(self, path: str | Path) -> dict:
        return json.loads(self.fs.cat_file(self._strip(path)))

    def write_json(self, path: str | Path, obj: dict) -> None:
        self.write_bytes(path, json.dumps(obj, indent=1, default=str).encode())

    def _list(self, folder: str, pattern: str) -> list[str]:
        """Files in ``folder`` (inside the filesystem) matching ``pattern``, sorted, as handed out."""
        if self.remote:
            self.fs.invalidate_cache(folder)  # other processes (Dask workers) write here too
        try:
            found = self.fs.glob(posixpath.join(folder, pattern) if self.remote else os.path.join(folder, pattern))
        except FileNotFoundError:
            return []
        return sorted(self._show(f) for f in found)

    def _remove(self, path: str, recursive: bool = False) -> None:
        try:
            self.fs.rm(path, recursive=recursive)
        except FileNotFoundError:
            pass

    # ---- Parquet -----------------------------------------------------------------------------------
    def write_parquet(self, table: pa.Table, path: str | Path) -> str:
        """Write ``table`` so that no reader ever sees it half-written; return the path as handed out."""
        p = self._strip(path)
        if self.remote:
            pq.write_table(table, p, compression="zstd", filesystem=self.arrow_fs)
        else:
            write_parquet_atomic(table, Path(p))
        return self._show(p)

    def read_parquet(self, path: str | Path, columns: list[str] | None = None) -> pa.Table:
        """One Parquet file the Store handed out (a staged part, a committed part, an aggregate)."""
        return pq.read_table(self._strip(path), columns=columns, filesystem=self.arrow_fs)

    def num_rows(self, path: str | Path) -> int:
        with self.arrow_fs.open_input_file(self._strip(path)) as fh:
            return pq.ParquetFile(fh).metadata.num_rows

    def dataset(self, paths: list[str], schema: pa.Schema) -> ds.Dataset:
        """A pyarrow dataset over the given files, read with ``schema`` (older parts gain null columns)."""
        return ds.dataset([self._strip(p) for p in paths], format="parquet", schema=schema,
                          filesystem=self.arrow_fs)

    # ---- fact tables -------------------------------------------------------------------------
    def _staged_path(self, run_id: str, table_name: str, key: str) -> str:
        return self._join("_staging", run_id, table_name, f"part-{run_id}-{key}.parquet")

    def stage_part(self, run_id: str, table_name: str, table: pa.Table, key: str) -> str | None:
        """Conform ``table`` to its declared schema and stage it as part ``key`` of this run (replacing a part
        of the same key).  Fact tables are committed with the run; scratch tables (``_clean``, ...) go with
        the staging.  Returns the path, or None for an empty table (no empty files are written)."""
        schema = schemas.FACT_TABLES.get(table_name) or schemas.SCRATCH_TABLES[table_name]
        table = schemas.conform(table, schema)
        path = self._staged_path(run_id, table_name, key)
        if table.num_rows == 0:
            self._remove(path)  # a part that a later stage emptied
            return None
        return self.write_parquet(table, path)

    def staged_parts(self, run_id: str, table_name: str) -> list[str]:
        return self._list(self._join("_staging", run_id, table_name), "part-*.parquet")

    def staged_keys(self, run_id: str, table_name: str) -> list[str]:
        """The keys of this run's staged parts of a table, in order."""
        prefix = f"part-{run_id}-"
        return [posixpath.basename(self._strip(p))[len(prefix):-len(".parquet")]
                for p in self.staged_parts(run_id, table_name)]

    def staged_size(self, run_id: str, table_name: str, key: str) -> int:
        """Bytes of a staged part (0 where there is none)."""
        try:
            return self.fs.size(self._staged_path(run_id, table_name, key))
        except FileNotFoundError:
            return 0

    def read_staged(self, run_id: str, table_name: str, key: str | None = None,
                    columns: list[str] | None = None) -> pa.Table:
        """Part ``key`` of this run's staged table (every part, concatenated, for None); an empty table of
        the declared schema where there is none."""
        schema = schemas.FACT_TABLES.get(table_name) or schemas.SCRATCH_TABLES[table_name]
        if key is not None:
            path = self._staged_path(run_id, table_name, key)
            paths = [self._show(path)] if self.fs.exists(path) else []
        else:
            paths = self.staged_parts(run_id, table_name)
        if not paths:
            empty = schema.empty_table()
            return empty if columns is None else empty.select(columns)
        return self.dataset(paths, schema).to_table(columns=columns)

    def committed_parts(self, table_name: str) -> list[str]:
        """The committed part files of a fact table, in name order, as the log says (newsloom.tablelog); the
        files in its folder for a root with no log."""
        files = self.committed_files()
        if files is None:
            return self._list(self._join(table_name), "part-*.parquet")
        prefix = table_name + "/"
        return [self._show(self._join(table_name, f[len(prefix):])) for f in sorted(files) if f.startswith(prefix)]

    def part_sizes(self, table_name: str) -> dict[str, int]:
        """Bytes of each committed part of a fact table, by file name (one listing, not one call per file)."""
        folder = self._join(table_name)
        if self.remote:
            self.fs.invalidate_cache(folder)
        try:
            listed = {posixpath.basename(e["name"]): e["size"] for e in self.fs.ls(folder, detail=True)}
        except FileNotFoundError:
            listed = {}
        names = [posixpath.basename(self._strip(p)) for p in self.committed_parts(table_name)]
        return {n: listed[n] for n in names if n in listed}

    def committed_dataset(self, table_name: str):
        """Every committed row of a fact table as a lazy Arrow dataset (an empty table where there is none)."""
        schema = schemas.FACT_TABLES[table_name]
        parts = self.committed_parts(table_name)
        return self.dataset(parts, schema) if parts else schema.empty_table()

    def read_table(self, table_name: str, columns: list[str] | None = None, run_id: str | None = None) -> pa.Table:
        """All committed rows of a fact table (only the given columns, if named); with ``run_id``, the rows of
        that run's own parts only (named by its id until a compaction merges them)."""
        schema = schemas.FACT_TABLES[table_name]
        parts = self.committed_parts(table_name)
        parts = [p for p in parts if run_id is None or posixpath.basename(self._strip(p)).startswith(f"part-{run_id}-")]
        if not parts:
            return schema.empty_table() if columns is None else schema.empty_table().select(columns)
        return self.dataset(parts, schema).to_table(columns=columns)

    def read_table_by_part(self, table_name: str, columns: list[str]) -> pa.Table:
        """The given columns of every committed row, with ``_part``: the file name of the part that holds it
        (for a stage that revises committed parts, newsloom.stage.Stage.revises)."""
        schema = schemas.FACT_TABLES[table_name]
        pieces = []
        for fragment in self.dataset(self.committed_parts(table_name), schema).get_fragments():
            t = fragment.to_table(columns=columns, schema=schema)
            pieces.append(t.append_column("_part", pa.repeat(pa.scalar(posixpath.basename(fragment.path), pa.string()),
                                                             t.num_rows)))
        if not pieces:
            t = schema.empty_table().select(columns)
            return t.append_column("_part", pa.array([], pa.string()))
        return pa.concat_tables(pieces)

    def read_committed_part(self, table_name: str, part: str) -> pa.Table:
        """One committed part by file name (an empty table of the schema where the table has no such part)."""
        schema = schemas.FACT_TABLES[table_name]
        path = self._join(table_name, part)
        return self.dataset([path], schema).to_table() if self.fs.exists(path) else schema.empty_table()

    def read_latest_part(self, run_id: str, table_name: str, part: str) -> pa.Table:
        """A committed part as this run last left it: its staged revision where an earlier stage of the run
        revised it (resolve-identity, then cluster-quotes), else the committed file."""
        revised = self._join("_staging", run_id, "_revised", table_name, part)
        if self.fs.exists(revised):
            return self.dataset([revised], schemas.FACT_TABLES[table_name]).to_table()
        return self.read_committed_part(table_name, part)

    def stage_revision(self, run_id: str, table_name: str, part: str, table: pa.Table) -> str:
        """Stage a revised version of the committed part ``part`` of a fact table: the commit replaces the
        committed file with it, in the same step as the run's own parts (so a reader sees the old version or
        the new one, never both)."""
        table = schemas.conform(table, schemas.FACT_TABLES[table_name])
        return self.write_parquet(table, self._join("_staging", run_id, "_revised", table_name, part))

    def staged_revisions(self, run_id: str) -> list[str]:
        """``<table>/<part>`` of every revision this run staged."""
        out = []
        for table_name in schemas.FACT_TABLES:
            for p in self._list(self._join("_staging", run_id, "_revised", table_name), "part-*.parquet"):
                out.append(f"{table_name}/{posixpath.basename(self._strip(p))}")
        return out

    def commit(self, run_id: str, summary: dict, removed: list[str] = (), kind: str = "run") -> dict:
        """Make every staged part of ``run_id`` visible, then write its manifest.  A compaction (``kind``) also
        names the committed parts its merged files replace (``removed``, ``<table>/<file name>``): they are
        deleted once the manifest is written."""
        files = []
        for table_name in schemas.FACT_TABLES:
            for p in self.staged_parts(run_id, table_name):
                files.append(f"{table_name}/{posixpath.basename(self._strip(p))}")
        intent = {"run_id": run_id, "kind": kind, "files": files, "revised": self.staged_revisions(run_id),
                  "removed": list(removed), "summary": summary}
        if self._lease is not None:  # fencing: a writer whose lease another writer took over never commits
            self._lease.check()
        self.write_json(self._join("_staging", run_id, "_commit.json"), intent)
        return self._roll_forward(run_id, intent)

    def _move(self, src: str, dst: str) -> None:
        if self.remote:
            self.fs.copy(src, dst)  # one server-side copy: the object appears whole
            self.fs.rm(src)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.replace(src, dst)

    def _roll_forward(self, run_id: str, intent: dict) -> dict:
        for rel in intent["files"]:
            src, dst = self._join("_staging", run_id, *rel.split("/")), self._join(*rel.split("/"))
            if self.fs.exists(src):
                self._move(src, dst)
            elif not self.fs.exists(dst):
                raise RuntimeError(f"commit of run {run_id}: part {rel} is neither staged nor committed")
        for rel in intent.get("revised", []):  # an earlier run's part, rewritten: the move replaces it
            src, dst = self._join("_staging", run_id, "_revised", *rel.split("/")), self._join(*rel.split("/"))
            if self.fs.exists(src):
                self._move(src, dst)
        manifest = {"run_id": run_id, "kind": intent.get("kind", "run"), "files": intent["files"],
                    "revised": intent.get("revised", []), "removed": intent.get("removed", []),
                    "summary": intent["summary"]}
        self.write_json(self.manifest_path(run_id), manifest)
        for rel in manifest["removed"]:  # the log no longer names them: now they can go
            self._retire(self._join(*rel.split("/")))
        self.discard(run_id)
        return manifest

    def _retire(self, path: str) -> None:
        """Delete a part that a committed compaction merged into another file."""
        self._remove(path)

    def _staged_runs(self) -> list[str]:
        base = self._join("_staging")
        if self.remote:
            self.fs.invalidate_cache(base)
        try:
            entries = self.fs.ls(base, detail=True)
        except FileNotFoundError:
            return []
        return sorted(posixpath.basename(e["name"].rstrip("/")) for e in entries if e["type"] == "directory")

    def recover(self) -> list[str]:
        """Finish or discard what crashed runs left.  Call with the lock held.

        Returns one line per action, for the log.
        """
        actions = []
        for run_id in self._staged_runs():
            intent_path = self._join("_staging", run_id, "_commit.json")
            if self.fs.exists(intent_path):
                self._roll_forward(run_id, self.read_json(intent_path))
                actions.append(f"completed the commit of interrupted run {run_id}")
            else:
                self.discard(run_id)
                actions.append(f"discarded the uncommitted output of interrupted run {run_id}")
        return actions

    def discard(self, run_id: str) -> None:
        self._remove(self._join("_staging", run_id), recursive=True)
        if not self.remote:
            try:
                os.rmdir(self._join("_staging"))  # only when no other run's staging is left
            except OSError:
                pass

    # ---- aggregates ------------------------------------------------------------------------------
    def has_aggregate(self, name: str) -> bool:
        return self.exists(self.aggregate_path(name))

    def read_aggregate(self, name: str, columns: list[str] | None = None) -> pa.Table | None:
        """An aggregate table, or None where no run has written it yet."""
        path = self.aggregate_path(name)
        return self.read_parquet(path, columns) if self.exists(path) else None

    def aggregate_columns(self, name: str) -> list[str] | None:
        """The columns an aggregate file was written with (from its footer), or None where there is none."""
        path = self.aggregate_path(name)
        if not self.exists(path):
            return None
        with self.arrow_fs.open_input_file(self._strip(path)) as fh:
            return pq.ParquetFile(fh).schema_arrow.names

    def replace_aggregate(self, name: str, table: pa.Table) -> str:
        table = schemas.conform(table, schemas.AGGREGATES[name])
        return self.write_parquet(table, self.aggregate_path(name))
