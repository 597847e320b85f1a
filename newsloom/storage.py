"""The output root: append-only fact tables, atomic aggregates, a run commit protocol and a lock.

Layout under the output root::

    documents/ articles/ mentions/ quotes/ rejects/   committed part files (what readers see)
    _signatures/                                       MinHash signatures (internal fact table)
    _feeds/                                            conditional-GET validators of polled feeds and sitemaps (internal)
    _staging/<run_id>/<table>/part-*.parquet           a run's parts before it commits
    _staging/<run_id>/_commit.json                     the run's intent to commit (list of parts)
    _manifests/<run_id>.json                           one per committed run: files and summary
    entities.parquet, ...                              aggregates, replaced atomically
    _lock                                              held (flock) by the one run writing here

Guarantees (local disk):
- every file is written under a dot-name and renamed into place, so no reader sees a half-written file;
- a run's part files stay in ``_staging`` until the run commits; the commit first writes the intent
  file, then moves the parts, then writes the manifest.  A crash before the intent leaves only staging,
  which the next run deletes; a crash after it is rolled forward by the next run.  So a crashed run's
  rows appear either completely or not at all, and a rerun neither loses nor duplicates them.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from newsloom import schemas
from newsloom.util import checkpoint


class LockedError(RuntimeError):
    """Another run holds the output root."""


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to ``path`` via a hidden temporary name and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


@dataclass
class Store:
    """An output root.  All reads and writes of tables go through here."""

    root: Path
    _lock_fh: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    # ---- locking -------------------------------------------------------------------------
    def acquire(self, run_id: str) -> None:
        """Take the single-writer lock, or raise LockedError naming the holder."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / "_lock", "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise LockedError(
                f"another newsloom run is writing to {self.root} ({holder}); wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"run {run_id}, pid {os.getpid()} on {socket.gethostname()}, "
                 f"since {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._lock_fh = fh

    def release(self) -> None:
        if self._lock_fh is not None:
            fh, self._lock_fh = self._lock_fh, None
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # ---- paths -----------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        return self.root / table

    def staging_dir(self, run_id: str) -> Path:
        return self.root / "_staging" / run_id

    def manifest_path(self, run_id: str) -> Path:
        return self.root / "_manifests" / f"{run_id}.json"

    # ---- fact tables -------------------------------------------------------------------------
    def stage_part(self, run_id: str, table_name: str, table: pa.Table, part: str) -> Path | None:
        """Conform ``table`` to its schema and write it as a staged part of this run.

        Returns the path, or None for an empty table (no empty files are written).
        """
        table = schemas.conform(table, schemas.FACT_TABLES[table_name])
        if table.num_rows == 0:
            return None
        path = self.staging_dir(run_id) / table_name / f"part-{run_id}-{part}.parquet"
        return write_parquet_atomic(table, path)

    def staged_parts(self, run_id: str, table_name: str) -> list[Path]:
        d = self.staging_dir(run_id) / table_name
        return sorted(p for p in d.glob("part-*.parquet")) if d.exists() else []

    def committed_parts(self, table_name: str) -> list[Path]:
        d = self.table_dir(table_name)
        return sorted(d.glob("part-*.parquet")) if d.exists() else []

    def read_table(self, table_name: str, columns: list[str] | None = None) -> pa.Table:
        """All committed rows of a fact table (only the given columns, if named)."""
        schema = schemas.FACT_TABLES[table_name]
        parts = self.committed_parts(table_name)
        if not parts:
            return schema.empty_table() if columns is None else schema.empty_table().select(columns)
        dataset = ds.dataset([str(p) for p in parts], format="parquet", schema=schema)
        return dataset.to_table(columns=columns)

    def commit(self, run_id: str, summary: dict) -> dict:
        """Make every staged part of ``run_id`` visible, then write its manifest."""
        staging = self.staging_dir(run_id)
        files = []
        if staging.exists():
            for table_name in schemas.FACT_TABLES:
                for p in self.staged_parts(run_id, table_name):
                    files.append(f"{table_name}/{p.name}")
        intent = {"run_id": run_id, "files": files, "summary": summary}
        _atomic_write_bytes(staging / "_commit.json", json.dumps(intent, indent=1, default=str).encode())
        return self._roll_forward(run_id, intent)

    def _roll_forward(self, run_id: str, intent: dict) -> dict:
        staging = self.staging_dir(run_id)
        for i, rel in enumerate(intent["files"]):
            src, dst = staging / rel, self.root / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            if i == 1:
                checkpoint("commit")
            elif not dst.exists():
                raise RuntimeError(f"commit of run {run_id}: part {rel} is neither staged nor committed")
        manifest = {"run_id": run_id, "files": intent["files"], "summary": intent["summary"]}
        _atomic_write_bytes(self.manifest_path(run_id), json.dumps(manifest, indent=1, default=str).encode())
        self.discard(run_id)
        return manifest

    def update_manifest(self, run_id: str, **summary_updates) -> None:
        path = self.manifest_path(run_id)
        manifest = json.loads(path.read_text())
        manifest["summary"].update(summary_updates)
        _atomic_write_bytes(path, json.dumps(manifest, indent=1, default=str).encode())

    def manifests(self) -> list[dict]:
        d = self.root / "_manifests"
        if not d.exists():
            return []
        return [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))]

    def recover(self) -> list[str]:
        """Finish or discard what crashed runs left.  Call with the lock held.

        Returns one line per action, for the log.
        """
        actions = []
        base = self.root / "_staging"
        if not base.exists():
            return actions
        for staging in sorted(p for p in base.iterdir() if p.is_dir()):
            run_id = staging.name
            intent_path = staging / "_commit.json"
            if intent_path.exists():
                self._roll_forward(run_id, json.loads(intent_path.read_text()))
                actions.append(f"completed the commit of interrupted run {run_id}")
            else:
                shutil.rmtree(staging, ignore_errors=True)
                actions.append(f"discarded the uncommitted output of interrupted run {run_id}")
        return actions

    def discard(self, run_id: str) -> None:
        shutil.rmtree(self.staging_dir(run_id), ignore_errors=True)
        try:
            (self.root / "_staging").rmdir()  # only when no other run's staging is left
        except OSError:
            pass

    # ---- aggregates ------------------------------------------------------------------------------
    def aggregate_path(self, name: str) -> Path:
        return self.root / f"{name}.parquet"

    def replace_aggregate(self, name: str, table: pa.Table) -> Path:
        table = schemas.conform(table, schemas.AGGREGATES[name])
        return write_parquet_atomic(table, self.aggregate_path(name))
