"""Small helpers shared by the stages: ids, hashing, logging of counts, progress."""
from __future__ import annotations

import hashlib
import logging
from collections import Counter

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


PROGRESS_LOGGER = "newsloom.progress"  # the logger progress goes to; an interface attaches a handler to show it


def progress(stage: str, advance: int = 1, total: int | None = None, info: str | None = None) -> None:
    """Report progress of ``stage`` as a DEBUG record of the ``newsloom.progress`` logger (fields stage,
    advance, total, info).  Nobody listens by default; the CLI's progress bars are a logging handler.  Called
    in the flow's process, where every part's result arrives, so runs on Dask show progress too."""
    logging.getLogger(PROGRESS_LOGGER).debug("%s +%s", stage, advance,
                                             extra={"stage": stage, "advance": advance, "total": total, "info": info})
