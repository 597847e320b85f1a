"""Small helpers shared by the stages: ids, hashing, logging of counts, progress."""
from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path
from collections import Counter
from typing import Callable, Iterable

import pyarrow as pa


def sha(*parts: str | bytes, n: int = 32) -> str:
    """Deterministic hex id from parts (joined with NUL)."""
    h = hashlib.sha256()
    for i, p in enumerate(parts):
        if i:
            h.update(b"\0")
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
    return h.hexdigest()[:n]


def get_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow or task run, else a plain logger."""
    try:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            return get_run_logger()
        except MissingContextError:
            pass
    except ImportError:  # pragma: no cover
        pass
    return logging.getLogger("newsloom")


def log_counts(stage: str, n_in: int, n_out: int, rejects: pa.Table | None = None, **extra: int) -> dict:
    """Log rows in, rows out and drops by reason for a stage; return the same as a dict."""
    by_reason = dict(Counter(rejects.column("reason").to_pylist())) if rejects is not None and rejects.num_rows else {}
    info = {"stage": stage, "rows_in": n_in, "rows_out": n_out, "rejects": by_reason, **extra}
    extras = "".join(f", {k} {v}" for k, v in extra.items())
    get_logger().info(f"{stage}: {n_in} in, {n_out} out{extras}; rejects {by_reason or 'none'}")
    return info


def reasons(rejects: pa.Table) -> dict[str, int]:
    """Rejects counted by reason."""
    return dict(Counter(rejects.column("reason").to_pylist())) if rejects.num_rows else {}


def merge_part_results(stage: str, results: list[dict]) -> dict:
    """Sum the per-part results of a stage, log rows in, rows out and drops by reason, return counts."""
    total: Counter = Counter()
    by_reason: Counter = Counter()
    parts = []
    for r in results:
        by_reason.update(r["rejects"])
        if r.get("part"):
            parts.append(r["part"])
        total.update({k: v for k, v in r.items() if isinstance(v, int)})
    extra = {k: v for k, v in total.items() if k not in ("rows_in", "rows_out")}
    line = "".join(f", {k} {v}" for k, v in extra.items())
    get_logger().info(f"{stage}: {total['rows_in']} in, {total['rows_out']} out{line}; "
                      f"rejects {dict(by_reason) or 'none'}")
    counts = {"stage": stage, "rows_in": total["rows_in"], "rows_out": total["rows_out"],
              "rejects": dict(by_reason), **extra}
    return {"parts": sorted(parts), "counts": counts}


# A hook the CLI sets to show progress; stages call progress(stage, advance, total, info=...).
_progress_hook: Callable[..., None] | None = None


def set_progress_hook(hook: Callable[..., None] | None) -> None:
    global _progress_hook
    _progress_hook = hook


def progress(stage: str, advance: int = 1, total: int | None = None, info: str | None = None) -> None:
    if _progress_hook is not None:
        _progress_hook(stage, advance, total, info)


def batched(items: Iterable, n: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def checkpoint(name: str) -> None:
    """A named point where the crash tests stop the process.

    Inactive unless NEWSLOOM_FAULT_AT names this point: then the process writes the file named by
    NEWSLOOM_FAULT_MARKER and waits, so that a test can SIGKILL it exactly here.
    """
    if os.environ.get("NEWSLOOM_FAULT_AT") == name:
        Path(os.environ["NEWSLOOM_FAULT_MARKER"]).write_text(name)
        time.sleep(600)
