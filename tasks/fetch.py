"""fetch: read inputs into the ``documents`` table.

Reads: the SOURCE paths given to the run (files and directories, walked recursively).
Writes ``documents``: doc_id, source, fetched_at, media_type, content, http_status, run_id,
and ``rejects`` rows (stage ``fetch``) for inputs that cannot be taken.

One document per input file; for a ``.jsonl`` file, one document per line (an already
extracted article), with source ``<file path>#<id>``.  Gzip-compressed inputs (``.gz``) are
read through a decompression cap.  An input whose (source, doc_id) is already in ``documents``
is skipped, so a rerun fetches nothing twice.
"""
from __future__ import annotations

import gzip
import json
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pyarrow as pa
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import batched, checkpoint, log_counts, progress, sha

MEDIA_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
}


@dataclass(frozen=True)
class Input:
    path: Path  # the file on disk
    source: str  # its name in the tables: path relative to the SOURCE root


def discover_inputs(sources: list[str]) -> list[Input]:
    """Every file under the given sources, in a stable order.  Hidden files are skipped."""
    found: list[Input] = []
    for s in sources:
        root = Path(s)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    p = Path(dirpath) / name
                    found.append(Input(p, p.relative_to(root).as_posix()))
        else:
            found.append(Input(root, root.name))
    return found


def media_type_of(name: str) -> tuple[str | None, bool]:
    """(media type by file name, whether it is gzip-compressed)."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    return MEDIA_TYPES.get(Path(lower).suffix), gz


class TooLarge(Exception):
    pass


def read_capped(path: Path, gz: bool, max_bytes: int) -> bytes:
    """Read a file, decompressing gzip, refusing more than max_bytes (after decompression too)."""
    if not gz:
        size = path.stat().st_size
        if size > max_bytes:
            raise TooLarge(f"{size} bytes > limit {max_bytes}")
        with open(path, "rb") as fh:
            return fh.read()
    chunks, total = [], 0
    with gzip.open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise TooLarge(f"more than {max_bytes} bytes after decompression")
            chunks.append(chunk)
    return b"".join(chunks)


def _reject(source: str, reason: str, detail: str | None, run_id: str, doc_id: str | None = None) -> dict:
    return {"source": source, "doc_id": doc_id, "stage": "fetch", "reason": reason, "detail": detail, "run_id": run_id}


def _jsonl_documents(inp: Input, data: bytes, fetched_at, run_id: str) -> Iterator[tuple[str, dict]]:
    """("doc", row) or ("reject", row) per line of a JSONL file."""
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield "reject", _reject(f"{inp.source}#L{lineno}", "invalid_json", f"line {lineno}: {exc}", run_id)
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            yield "reject", _reject(f"{inp.source}#L{lineno}", "missing_text",
                                    f"line {lineno}: no string field 'text'", run_id)
            continue
        ident = obj.get("id")
        ident = str(ident) if ident not in (None, "") else f"L{lineno}"
        yield "doc", {
            "doc_id": sha(line),
            "source": f"{inp.source}#{ident}",
            "fetched_at": fetched_at,
            "media_type": "application/x-ndjson",
            "content": bytes(line),
            "http_status": None,
            "run_id": run_id,
        }


def fetch_documents(inputs: list[Input], config: Config, run_id: str,
                    seen: set[tuple[str, str]] | None = None) -> tuple[pa.Table, pa.Table, int]:
    """Read ``inputs`` into (documents, rejects, n_already_seen).  Pure apart from reading the files."""
    seen = seen or set()
    docs, rejects, n_seen = [], [], 0
    for inp in inputs:
        media_type, gz = media_type_of(inp.path.name)
        if media_type is None:
            rejects.append(_reject(inp.source, "unsupported_type", f"file type of {inp.path.name!r} is not supported", run_id))
            continue
        fetched_at = datetime.now(timezone.utc)
        try:
            data = read_capped(inp.path, gz, config.max_bytes)
        except TooLarge as exc:
            rejects.append(_reject(inp.source, "too_large", str(exc), run_id))
            continue
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            reason = "decode_error" if isinstance(exc, (EOFError, gzip.BadGzipFile)) else "read_error"
            rejects.append(_reject(inp.source, reason, f"{type(exc).__name__}: {exc}", run_id))
            continue
        if media_type == "application/x-ndjson":
            for kind, row in _jsonl_documents(inp, data, fetched_at, run_id):
                if kind == "reject":
                    rejects.append(row)
                elif (row["source"], row["doc_id"]) in seen:
                    n_seen += 1
                else:
                    docs.append(row)
            continue
        doc_id = sha(data)
        if (inp.source, doc_id) in seen:
            n_seen += 1
            continue
        docs.append({
            "doc_id": doc_id, "source": inp.source, "fetched_at": fetched_at, "media_type": media_type,
            "content": data, "http_status": None, "run_id": run_id,
        })
    return schemas.from_rows(docs, schemas.DOCUMENTS), schemas.from_rows(rejects, schemas.REJECTS), n_seen


def seen_documents(store: Store) -> set[tuple[str, str]]:
    t = store.read_table("documents", columns=["source", "doc_id"])
    return set(zip(t.column("source").to_pylist(), t.column("doc_id").to_pylist()))


def seen_rejects(store: Store) -> set[tuple[str, str, str]]:
    t = store.read_table("rejects", columns=["source", "stage", "reason"])
    return set(zip(t.column("source").to_pylist(), t.column("stage").to_pylist(), t.column("reason").to_pylist()))


def drop_known_rejects(rejects: pa.Table, known: set[tuple[str, str, str]]) -> pa.Table:
    """Rejects already recorded by an earlier run for the same input and reason are not written again."""
    keys = zip(rejects.column("source").to_pylist(), rejects.column("stage").to_pylist(),
               rejects.column("reason").to_pylist())
    return rejects.filter(pa.array([k not in known for k in keys], pa.bool_()))


@task(name="fetch")
def fetch(config: Config, run_id: str) -> dict:
    """Read every input into staged ``documents`` parts; return their paths and counts."""
    store = Store(Path(config.out))
    inputs = discover_inputs(config.sources)
    seen = seen_documents(store)
    known_rejects = seen_rejects(store)
    progress("fetch", 0, len(inputs))
    parts, n_docs, n_seen, all_rejects = [], 0, 0, []
    size = config.batch_size
    if config.parallel:  # enough parts to keep every worker busy
        size = max(1, min(size, math.ceil(len(inputs) / (4 * (config.workers or 4)))))
    for i, batch in enumerate(batched(inputs, size)):
        documents, rejects, batch_seen = fetch_documents(batch, config, run_id, seen)
        rejects = drop_known_rejects(rejects, known_rejects)
        path = store.stage_part(run_id, "documents", documents, f"fetch-{i:05d}")
        store.stage_part(run_id, "rejects", rejects, f"fetch-{i:05d}")
        if path:
            parts.append(str(path))
            checkpoint("fetch")
        n_docs += documents.num_rows
        n_seen += batch_seen
        all_rejects.append(rejects)
        progress("fetch", len(batch))
    rejects = pa.concat_tables(all_rejects) if all_rejects else schemas.REJECTS.empty_table()
    counts = log_counts("fetch", len(inputs), n_docs, rejects, already_seen=n_seen)
    return {"parts": parts, "counts": counts}
