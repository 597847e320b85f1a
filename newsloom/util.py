"""Small helpers shared by the stages: ids, hashing, logging of counts, progress."""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from typing import Callable

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


def reasons(rejects: pa.Table) -> dict[str, int]:
    """Rejects counted by reason."""
    return dict(Counter(rejects.column("reason").to_pylist())) if rejects.num_rows else {}


# A hook the CLI sets to show progress; stages call progress(stage, advance, total, info=...).
_progress_hook: Callable[..., None] | None = None


def set_progress_hook(hook: Callable[..., None] | None) -> None:
    global _progress_hook
    _progress_hook = hook


def progress(stage: str, advance: int = 1, total: int | None = None, info: str | None = None) -> None:
    if _progress_hook is not None:
        _progress_hook(stage, advance, total, info)
