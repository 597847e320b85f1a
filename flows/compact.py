"""Compaction by hand (``newsloom compact``): the fact tables' small parts merged, the manifests folded into a
checkpoint and ``runs.parquet`` rewritten, under the output root's lock.  A run does the same by itself as its
last step once enough small parts wait (``compact_parts``); this is for a root whose runs had it off, or for
compacting now.  It needs no Prefect API: it is storage work, not a pipeline."""
from __future__ import annotations

from newsloom.compaction import MIB, Policy, compact
from newsloom.storage import Store, new_run_id
from newsloom.util import get_logger
from tasks.aggregate import write_runs


def compact_root(store: Store, target_mb: int = 128) -> dict:
    """Take the lock, finish what crashed writers left, compact every group of tables with small parts to
    merge, fold the manifests, rewrite runs.parquet; return what was done."""
    log = get_logger()
    if note := store.acquire(new_run_id(), what="compaction"):
        log.warning(note)
    try:
        recovered = store.recover()
        for action in recovered:
            log.warning(action)
        done = compact(store, Policy(target_bytes=target_mb * MIB, whole=True))
        folded = store.fold_manifests()
        write_runs(store)
    finally:
        store.release()
    return {"recovered": recovered, "compaction": done, "manifests_folded": folded}
